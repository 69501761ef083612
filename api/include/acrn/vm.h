/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM lifecycle structures of the ACRN v3.3 hypercall ABI: HC_CREATE_VM's
 * argument, guest flags, VM states and load orders, and the vCPU register
 * file HC_SET_VCPU_REGS loads.
 */
#ifndef ACRN_VM_H
#define ACRN_VM_H

#include <stdint.h>

#define ACRN_VM_NAME_LEN 16U /* ACRN's MAX_VM_NAME_LEN, NUL included */

/*
 * Guest flags (a VM's configuration; create_vm takes only the ones the
 * device model owns from vm_flag: SECURE_WORLD, LAPIC_PASSTHROUGH, RT,
 * IO_COMPLETION_POLLING and, in debug builds, PMU_PASSTHROUGH).
 */
#define GUEST_FLAG_SECURE_WORLD_ENABLED  (1ULL << 0)
#define GUEST_FLAG_LAPIC_PASSTHROUGH     (1ULL << 1)
#define GUEST_FLAG_IO_COMPLETION_POLLING (1ULL << 2)
#define GUEST_FLAG_HIDE_MTRR             (1ULL << 3)
#define GUEST_FLAG_RT                    (1ULL << 4)
#define GUEST_FLAG_NVMX_ENABLED          (1ULL << 5)
#define GUEST_FLAG_SECURITY_VM           (1ULL << 6)
#define GUEST_FLAG_VCAT_ENABLED          (1ULL << 7)
#define GUEST_FLAG_STATIC_VM             (1ULL << 8)
#define GUEST_FLAG_TEE                   (1ULL << 9)
#define GUEST_FLAG_REE                   (1ULL << 10)
#define GUEST_FLAG_PMU_PASSTHROUGH       (1ULL << 11)
#define GUEST_FLAG_VHWP                  (1ULL << 12)
#define GUEST_FLAG_VTM                   (1ULL << 13)

/* VM states, in ACRN's order (POWERED_OFF is 0 so a zeroed VM is off). */
#define ACRN_VM_POWERED_OFF       0U
#define ACRN_VM_CREATED           1U
#define ACRN_VM_RUNNING           2U
#define ACRN_VM_READY_TO_POWEROFF 3U /* an RTVM powering itself off */
#define ACRN_VM_PAUSED            4U

/* Load orders. */
#define ACRN_PRE_LAUNCHED_VM  0U
#define ACRN_SERVICE_VM       1U
#define ACRN_POST_LAUNCHED_VM 2U

/*
 * HC_CREATE_VM argument, by Service VM GPA in parameter 1. In: name (it
 * picks the static configuration slot), vm_flag, ioreq_buf, cpu_affinity
 * (a subset of the slot's pCPUs). Out: vmid (relative to the Service VM)
 * and vcpu_num. Mainline <linux/acrn.h> has a 16-byte uuid where name is.
 */
struct acrn_vm_creation {
	uint16_t vmid;
	uint16_t reserved0;
	uint16_t vcpu_num;
	uint16_t reserved1;
	uint8_t name[ACRN_VM_NAME_LEN];
	uint64_t vm_flag;
	uint64_t ioreq_buf;
	uint64_t cpu_affinity;
};

_Static_assert(sizeof(struct acrn_vm_creation) == 48, "acrn_vm_creation size");
_Static_assert(__builtin_offsetof(struct acrn_vm_creation, vmid) == 0, "vmid");
_Static_assert(__builtin_offsetof(struct acrn_vm_creation, reserved0) == 2, "reserved0");
_Static_assert(__builtin_offsetof(struct acrn_vm_creation, vcpu_num) == 4, "vcpu_num");
_Static_assert(__builtin_offsetof(struct acrn_vm_creation, reserved1) == 6, "reserved1");
_Static_assert(__builtin_offsetof(struct acrn_vm_creation, name) == 8, "name");
_Static_assert(__builtin_offsetof(struct acrn_vm_creation, vm_flag) == 24, "vm_flag");
_Static_assert(__builtin_offsetof(struct acrn_vm_creation, ioreq_buf) == 32, "ioreq_buf");
_Static_assert(__builtin_offsetof(struct acrn_vm_creation, cpu_affinity) == 40, "cpu_affinity");

/* General-purpose registers in the order of VMX's register numbering. */
struct acrn_gp_regs {
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rbx;
	uint64_t rsp;
	uint64_t rbp;
	uint64_t rsi;
	uint64_t rdi;
	uint64_t r8;
	uint64_t r9;
	uint64_t r10;
	uint64_t r11;
	uint64_t r12;
	uint64_t r13;
	uint64_t r14;
	uint64_t r15;
};

_Static_assert(sizeof(struct acrn_gp_regs) == 128, "acrn_gp_regs size");
_Static_assert(__builtin_offsetof(struct acrn_gp_regs, rax) == 0, "rax");
_Static_assert(__builtin_offsetof(struct acrn_gp_regs, rsp) == 32, "rsp");
_Static_assert(__builtin_offsetof(struct acrn_gp_regs, rsi) == 48, "rsi");
_Static_assert(__builtin_offsetof(struct acrn_gp_regs, rdi) == 56, "rdi");
_Static_assert(__builtin_offsetof(struct acrn_gp_regs, r8) == 64, "r8");
_Static_assert(__builtin_offsetof(struct acrn_gp_regs, r15) == 120, "r15");

/* A GDTR/IDTR image as LGDT reads it, padded to 16 bytes. */
struct acrn_descriptor_ptr {
	uint16_t limit;
	uint64_t base;
	uint16_t reserved[3];
} __attribute__((packed));

_Static_assert(sizeof(struct acrn_descriptor_ptr) == 16, "acrn_descriptor_ptr size");
_Static_assert(__builtin_offsetof(struct acrn_descriptor_ptr, limit) == 0, "limit");
_Static_assert(__builtin_offsetof(struct acrn_descriptor_ptr, base) == 2, "base");
_Static_assert(__builtin_offsetof(struct acrn_descriptor_ptr, reserved) == 10, "reserved");

struct acrn_regs {
	struct acrn_gp_regs gprs;
	struct acrn_descriptor_ptr gdt;
	struct acrn_descriptor_ptr idt;

	uint64_t rip;
	uint64_t cs_base;
	uint64_t cr0;
	uint64_t cr4;
	uint64_t cr3;
	uint64_t ia32_efer;
	uint64_t rflags;
	uint64_t reserved_64[4];

	uint32_t cs_ar;
	uint32_t cs_limit;
	uint32_t reserved_32[3];

	/* The hypervisor loads the selectors in this order. */
	uint16_t cs_sel;
	uint16_t ss_sel;
	uint16_t ds_sel;
	uint16_t es_sel;
	uint16_t fs_sel;
	uint16_t gs_sel;
	uint16_t ldt_sel;
	uint16_t tr_sel;
};

_Static_assert(sizeof(struct acrn_regs) == 288, "acrn_regs size");
_Static_assert(__builtin_offsetof(struct acrn_regs, gprs) == 0, "gprs");
_Static_assert(__builtin_offsetof(struct acrn_regs, gdt) == 128, "gdt");
_Static_assert(__builtin_offsetof(struct acrn_regs, idt) == 144, "idt");
_Static_assert(__builtin_offsetof(struct acrn_regs, rip) == 160, "rip");
_Static_assert(__builtin_offsetof(struct acrn_regs, cs_base) == 168, "cs_base");
_Static_assert(__builtin_offsetof(struct acrn_regs, cr0) == 176, "cr0");
_Static_assert(__builtin_offsetof(struct acrn_regs, cr4) == 184, "cr4");
_Static_assert(__builtin_offsetof(struct acrn_regs, cr3) == 192, "cr3");
_Static_assert(__builtin_offsetof(struct acrn_regs, ia32_efer) == 200, "ia32_efer");
_Static_assert(__builtin_offsetof(struct acrn_regs, rflags) == 208, "rflags");
_Static_assert(__builtin_offsetof(struct acrn_regs, reserved_64) == 216, "reserved_64");
_Static_assert(__builtin_offsetof(struct acrn_regs, cs_ar) == 248, "cs_ar");
_Static_assert(__builtin_offsetof(struct acrn_regs, cs_limit) == 252, "cs_limit");
_Static_assert(__builtin_offsetof(struct acrn_regs, reserved_32) == 256, "reserved_32");
_Static_assert(__builtin_offsetof(struct acrn_regs, cs_sel) == 268, "cs_sel");
_Static_assert(__builtin_offsetof(struct acrn_regs, ss_sel) == 270, "ss_sel");
_Static_assert(__builtin_offsetof(struct acrn_regs, ds_sel) == 272, "ds_sel");
_Static_assert(__builtin_offsetof(struct acrn_regs, es_sel) == 274, "es_sel");
_Static_assert(__builtin_offsetof(struct acrn_regs, fs_sel) == 276, "fs_sel");
_Static_assert(__builtin_offsetof(struct acrn_regs, gs_sel) == 278, "gs_sel");
_Static_assert(__builtin_offsetof(struct acrn_regs, ldt_sel) == 280, "ldt_sel");
_Static_assert(__builtin_offsetof(struct acrn_regs, tr_sel) == 282, "tr_sel");

/* HC_SET_VCPU_REGS argument, by Service VM GPA in parameter 2; reserved must be 0. */
struct acrn_vcpu_regs {
	uint16_t vcpu_id;
	uint16_t reserved[3];
	struct acrn_regs vcpu_regs;
};

_Static_assert(sizeof(struct acrn_vcpu_regs) == 296, "acrn_vcpu_regs size");
_Static_assert(__builtin_offsetof(struct acrn_vcpu_regs, vcpu_id) == 0, "vcpu_id");
_Static_assert(__builtin_offsetof(struct acrn_vcpu_regs, reserved) == 2, "reserved");
_Static_assert(__builtin_offsetof(struct acrn_vcpu_regs, vcpu_regs) == 8, "vcpu_regs");

#endif
