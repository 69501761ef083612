/* SPDX-License-Identifier: BSD-3-Clause */
/* The HSM ioctl numbers and sizes as mainline <linux/acrn.h> defines them. */
#ifndef UAPI_NUMBERS_H
#define UAPI_NUMBERS_H

struct uapi_ioctl {
	const char *name;
	unsigned long request;
};

/* Indexed by enum uapi_id. */
enum uapi_id {
	U_CREATE_VM,
	U_DESTROY_VM,
	U_START_VM,
	U_PAUSE_VM,
	U_RESET_VM,
	U_SET_VCPU_REGS,
	U_INJECT_MSI,
	U_SET_IRQLINE,
	U_NOTIFY_REQUEST_FINISH,
	U_CREATE_IOREQ_CLIENT,
	U_ATTACH_IOREQ_CLIENT,
	U_DESTROY_IOREQ_CLIENT,
	U_CLEAR_VM_IOREQ,
	U_SET_MEMSEG,
	U_IOEVENTFD,
	U_IRQFD,
	U_COUNT
};

extern const struct uapi_ioctl uapi_ioctls[U_COUNT];

#endif
