/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mainline's view, compiled alone: <linux/acrn.h> declares structs with
 * the same names as api/include/acrn, so it cannot share a file with them.
 */
#include <linux/acrn.h>
#include <linux/ioctl.h> /* <linux/acrn.h> uses _IOW without including it */

#include "uapi-numbers.h"

const struct uapi_ioctl uapi_ioctls[U_COUNT] = {
	[U_CREATE_VM] = { "CREATE_VM", ACRN_IOCTL_CREATE_VM },
	[U_DESTROY_VM] = { "DESTROY_VM", ACRN_IOCTL_DESTROY_VM },
	[U_START_VM] = { "START_VM", ACRN_IOCTL_START_VM },
	[U_PAUSE_VM] = { "PAUSE_VM", ACRN_IOCTL_PAUSE_VM },
	[U_RESET_VM] = { "RESET_VM", ACRN_IOCTL_RESET_VM },
	[U_SET_VCPU_REGS] = { "SET_VCPU_REGS", ACRN_IOCTL_SET_VCPU_REGS },
	[U_INJECT_MSI] = { "INJECT_MSI", ACRN_IOCTL_INJECT_MSI },
	[U_SET_IRQLINE] = { "SET_IRQLINE", ACRN_IOCTL_SET_IRQLINE },
	[U_NOTIFY_REQUEST_FINISH] = { "NOTIFY_REQUEST_FINISH", ACRN_IOCTL_NOTIFY_REQUEST_FINISH },
	[U_CREATE_IOREQ_CLIENT] = { "CREATE_IOREQ_CLIENT", ACRN_IOCTL_CREATE_IOREQ_CLIENT },
	[U_ATTACH_IOREQ_CLIENT] = { "ATTACH_IOREQ_CLIENT", ACRN_IOCTL_ATTACH_IOREQ_CLIENT },
	[U_DESTROY_IOREQ_CLIENT] = { "DESTROY_IOREQ_CLIENT", ACRN_IOCTL_DESTROY_IOREQ_CLIENT },
	[U_CLEAR_VM_IOREQ] = { "CLEAR_VM_IOREQ", ACRN_IOCTL_CLEAR_VM_IOREQ },
	[U_SET_MEMSEG] = { "SET_MEMSEG", ACRN_IOCTL_SET_MEMSEG },
	[U_IOEVENTFD] = { "IOEVENTFD", ACRN_IOCTL_IOEVENTFD },
	[U_IRQFD] = { "IRQFD", ACRN_IOCTL_IRQFD },
};
