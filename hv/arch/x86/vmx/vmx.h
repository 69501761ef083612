/* SPDX-License-Identifier: BSD-3-Clause */
/* What the VMX backend's files share: VMCS access, exit reasons, per-vCPU state. */
#ifndef ARCH_X86_VMX_VMX_H
#define ARCH_X86_VMX_VMX_H

#include <arch/x86_vcpu.h>
#include <hv/types.h>

/* Basic exit reasons (SDM Vol. 3, appendix C). */
#define EXIT_EXC_NMI      0
#define EXIT_EXT_INTR     1
#define EXIT_TRIPLE_FAULT 2
#define EXIT_INIT         3
#define EXIT_SIPI         4
#define EXIT_INTR_WINDOW  7
#define EXIT_CPUID        10
#define EXIT_HLT          12
#define EXIT_VMCALL       18
#define EXIT_CR_ACCESS    28
#define EXIT_IO           30
#define EXIT_RDMSR        31
#define EXIT_WRMSR        32
#define EXIT_EPT_VIOL     48
#define EXIT_PREEMPT      52
#define EXIT_XSETBV       55
#define EXIT_ENTRY_FAIL   BIT(31)

#define INTR_VALID        BIT(31)
#define INTR_ERR          BIT(11)
#define INTR_TYPE(x)      (((x) >> 8) & 7)
#define INTR_EXT          (0u << 8)
#define INTR_NMI          (2u << 8)
#define INTR_HW_EXC       (3u << 8)
#define CR4_VMXE          BIT(13)
#define INTR_BLOCKING     3 /* STI and MOV-SS blocking in the interruptibility state */

/* vmx_enter's results (vmx_run.S). */
#define VMX_ENTER_EXIT    0 /* a VM exit to decode */
#define VMX_ENTER_FAILED  1 /* VMLAUNCH/VMRESUME failed */
#define VMX_ENTER_HANDLED 2 /* a VM exit the fast path handled; the generic entry follows */

struct vmx_msr_entry;

struct vmx_vcpu {
	paddr_t vmcs_pa;
	struct vmx_msr_entry *msrs; /* guest values of switched_msrs while not loaded */
	paddr_t msrs_pa;
	struct x86_entry_state entry; /* applied by the next run */
	bool need_setup;
	bool launched;
	cpuid_t pcpu;
	uint32_t proc; /* current primary processor-based controls */
	bool want_window;
	uint32_t pending; /* VM-entry interruption info to write; 0: none */
	uint32_t pending_err;
	uint32_t pending_len;
	uint32_t intr_state;            /* guest interruptibility at the last exit */
	uint64_t exit_rip;              /* guest RIP at the last exit */
	uint64_t vmcs_rsp, vmcs_rflags; /* what GUEST_RSP and GUEST_RFLAGS hold */
	uint32_t preempt; /* VMX-preemption timer value in the VMCS; 0: not written yet */
};

__hot static inline uint64_t vmread(uint32_t field)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"((uint64_t)field) : "cc");
	return v;
}

__hot static inline void vmwrite(uint32_t field, uint64_t val)
{
	__asm__ volatile("vmwrite %0, %1" : : "r"(val), "r"((uint64_t)field) : "cc");
}

#endif
