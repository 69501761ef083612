/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Service-VM interface acrn-dm uses: the HSM driver's ioctls on
 * /dev/acrn_hsm (mainline <linux/acrn.h>), one VM per open handle. The
 * board bridge's multiplexer offers the same operations over a socket, with
 * the same structures, so everything above acrn-dm's transport is identical.
 * Layouts are pinned here and compared with <linux/acrn.h> by tests/unit/api.
 */
#ifndef ACRN_HSM_H
#define ACRN_HSM_H

#include <stdint.h>

#include <acrn/ioreq.h>
#include <acrn/irq.h>
#include <acrn/vm.h>

/* SET_MEMSEG / UNSET_MEMSEG: map Service-VM memory into a User VM. */
#define ACRN_MEMMAP_RAM  0U
#define ACRN_MEMMAP_MMIO 1U

struct acrn_vm_memmap {
	uint32_t type; /* ACRN_MEMMAP_* */
	uint32_t attr; /* ACRN_MEM_ACCESS_* | ACRN_MEM_TYPE_* */
	uint64_t user_vm_pa;
	union {
		uint64_t service_vm_pa; /* MMIO, and RAM on the board bridge */
		uint64_t vma_base;      /* RAM through the kernel HSM: a user address */
	};
	uint64_t len;
};
_Static_assert(sizeof(struct acrn_vm_memmap) == 32, "acrn_vm_memmap size");
_Static_assert(__builtin_offsetof(struct acrn_vm_memmap, user_vm_pa) == 8, "user_vm_pa");
_Static_assert(__builtin_offsetof(struct acrn_vm_memmap, service_vm_pa) == 16, "service_vm_pa");
_Static_assert(__builtin_offsetof(struct acrn_vm_memmap, len) == 24, "len");

/* NOTIFY_REQUEST_FINISH */
struct acrn_ioreq_notify {
	uint16_t vmid;
	uint16_t reserved;
	uint32_t vcpu;
};
_Static_assert(sizeof(struct acrn_ioreq_notify) == 8, "acrn_ioreq_notify size");

/* IOEVENTFD: a guest write to addr (matching data) signals fd, posted. */
#define ACRN_IOEVENTFD_FLAG_PIO       0x01U
#define ACRN_IOEVENTFD_FLAG_DATAMATCH 0x02U
#define ACRN_IOEVENTFD_FLAG_DEASSIGN  0x04U

struct acrn_ioeventfd {
	uint32_t fd;
	uint32_t flags;
	uint64_t addr;
	uint32_t len;
	uint32_t reserved;
	uint64_t data;
};
_Static_assert(sizeof(struct acrn_ioeventfd) == 32, "acrn_ioeventfd size");
_Static_assert(__builtin_offsetof(struct acrn_ioeventfd, addr) == 8, "addr");
_Static_assert(__builtin_offsetof(struct acrn_ioeventfd, len) == 16, "len");
_Static_assert(__builtin_offsetof(struct acrn_ioeventfd, data) == 24, "data");

/* IRQFD: a write to fd injects msi. */
#define ACRN_IRQFD_FLAG_DEASSIGN 0x01U

struct acrn_irqfd {
	int32_t fd;
	uint32_t flags;
	struct acrn_msi_entry msi;
};
_Static_assert(sizeof(struct acrn_irqfd) == 24, "acrn_irqfd size");
_Static_assert(__builtin_offsetof(struct acrn_irqfd, msi) == 8, "msi");

/*
 * ioctl numbers: type 0xA2 and these nr values (see reference: they follow
 * the hypercall groups but not always the hypercall index). Userspace
 * builds the full numbers with _IO/_IOW/_IOWR from <linux/ioctl.h>; the
 * bridge protocol carries the nr alone.
 */
#define ACRN_IOCTL_TYPE                0xA2U
#define ACRN_HSM_CREATE_VM             0x10U /* IOWR acrn_vm_creation */
#define ACRN_HSM_DESTROY_VM            0x11U /* IO */
#define ACRN_HSM_START_VM              0x12U /* IO */
#define ACRN_HSM_PAUSE_VM              0x13U /* IO */
#define ACRN_HSM_RESET_VM              0x15U /* IO */
#define ACRN_HSM_SET_VCPU_REGS         0x16U /* IOW acrn_vcpu_regs */
#define ACRN_HSM_INJECT_MSI            0x23U /* IOW acrn_msi_entry */
#define ACRN_HSM_VM_INTR_MONITOR       0x24U /* IOW unsigned long */
#define ACRN_HSM_SET_IRQLINE           0x25U /* IOW uint64_t */
#define ACRN_HSM_NOTIFY_REQUEST_FINISH 0x31U /* IOW acrn_ioreq_notify */
#define ACRN_HSM_CREATE_IOREQ_CLIENT   0x32U /* IO */
#define ACRN_HSM_ATTACH_IOREQ_CLIENT   0x33U /* IO: blocks until requests wait */
#define ACRN_HSM_DESTROY_IOREQ_CLIENT  0x34U /* IO */
#define ACRN_HSM_CLEAR_VM_IOREQ        0x35U /* IO */
#define ACRN_HSM_SET_MEMSEG            0x41U /* IOW acrn_vm_memmap */
#define ACRN_HSM_UNSET_MEMSEG          0x42U /* IOW acrn_vm_memmap */
#define ACRN_HSM_PM_GET_CPU_STATE      0x60U /* IOWR uint64_t */
#define ACRN_HSM_IOEVENTFD             0x70U /* IOW acrn_ioeventfd */
#define ACRN_HSM_IRQFD                 0x71U /* IOW acrn_irqfd */

#endif
