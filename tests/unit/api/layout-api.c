/* SPDX-License-Identifier: BSD-3-Clause */
/* The layout table as our api headers see it. */
#include <acrn/hypercall.h>
#include <acrn/ioreq.h>
#include <acrn/irq.h>
#include <acrn/memory.h>
#include <acrn/vm.h>

#include "layout.h"

const struct layout_row api_rows[] = { LAYOUT_ROWS{ "acrn_vm_creation.uuid|name",
	                                            offsetof(struct acrn_vm_creation, name) } };
const size_t nr_api_rows = sizeof(api_rows) / sizeof(api_rows[0]);
