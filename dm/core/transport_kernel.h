/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel transport's ioctl numbers, built from api/include/acrn/hsm.h
 * exactly as mainline <linux/acrn.h> builds them, and the one function
 * every ioctl goes through (tests replace it to see the marshalling).
 */
#ifndef DM_TRANSPORT_KERNEL_H
#define DM_TRANSPORT_KERNEL_H

#include <linux/ioctl.h>
#include <stdint.h>

#include <acrn/hsm.h>

#define DM_HSM_IOCTL_CREATE_VM  _IOWR(ACRN_IOCTL_TYPE, ACRN_HSM_CREATE_VM, struct acrn_vm_creation)
#define DM_HSM_IOCTL_DESTROY_VM _IO(ACRN_IOCTL_TYPE, ACRN_HSM_DESTROY_VM)
#define DM_HSM_IOCTL_START_VM   _IO(ACRN_IOCTL_TYPE, ACRN_HSM_START_VM)
#define DM_HSM_IOCTL_PAUSE_VM   _IO(ACRN_IOCTL_TYPE, ACRN_HSM_PAUSE_VM)
#define DM_HSM_IOCTL_RESET_VM   _IO(ACRN_IOCTL_TYPE, ACRN_HSM_RESET_VM)
#define DM_HSM_IOCTL_SET_VCPU_REGS \
	_IOW(ACRN_IOCTL_TYPE, ACRN_HSM_SET_VCPU_REGS, struct acrn_vcpu_regs)
#define DM_HSM_IOCTL_INJECT_MSI  _IOW(ACRN_IOCTL_TYPE, ACRN_HSM_INJECT_MSI, struct acrn_msi_entry)
#define DM_HSM_IOCTL_SET_IRQLINE _IOW(ACRN_IOCTL_TYPE, ACRN_HSM_SET_IRQLINE, uint64_t)
#define DM_HSM_IOCTL_NOTIFY_REQUEST_FINISH \
	_IOW(ACRN_IOCTL_TYPE, ACRN_HSM_NOTIFY_REQUEST_FINISH, struct acrn_ioreq_notify)
#define DM_HSM_IOCTL_CREATE_IOREQ_CLIENT  _IO(ACRN_IOCTL_TYPE, ACRN_HSM_CREATE_IOREQ_CLIENT)
#define DM_HSM_IOCTL_ATTACH_IOREQ_CLIENT  _IO(ACRN_IOCTL_TYPE, ACRN_HSM_ATTACH_IOREQ_CLIENT)
#define DM_HSM_IOCTL_DESTROY_IOREQ_CLIENT _IO(ACRN_IOCTL_TYPE, ACRN_HSM_DESTROY_IOREQ_CLIENT)
#define DM_HSM_IOCTL_CLEAR_VM_IOREQ       _IO(ACRN_IOCTL_TYPE, ACRN_HSM_CLEAR_VM_IOREQ)
#define DM_HSM_IOCTL_SET_MEMSEG           _IOW(ACRN_IOCTL_TYPE, ACRN_HSM_SET_MEMSEG, struct acrn_vm_memmap)
#define DM_HSM_IOCTL_IOEVENTFD            _IOW(ACRN_IOCTL_TYPE, ACRN_HSM_IOEVENTFD, struct acrn_ioeventfd)
#define DM_HSM_IOCTL_IRQFD                _IOW(ACRN_IOCTL_TYPE, ACRN_HSM_IRQFD, struct acrn_irqfd)

/*
 * ioctl(2) on the HSM: @arg is a pointer for the struct-carrying requests
 * and the value itself for SET_IRQLINE. Returns 0 or -errno.
 */
extern int (*dm_hsm_ioctl)(int fd, unsigned long request, unsigned long arg);

#endif
