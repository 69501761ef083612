/* SPDX-License-Identifier: BSD-3-Clause */
/* The layout table as the HSM driver's uapi header <linux/acrn.h> sees it. */
#include <linux/acrn.h>

#include "layout.h"

const struct layout_row uapi_rows[] = { LAYOUT_ROWS{ "acrn_vm_creation.uuid|name",
	                                             offsetof(struct acrn_vm_creation, uuid) } };
const size_t nr_uapi_rows = sizeof(uapi_rows) / sizeof(uapi_rows[0]);
