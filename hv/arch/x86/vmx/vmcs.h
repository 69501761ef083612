/* SPDX-License-Identifier: BSD-3-Clause */
/* VMCS field encodings used by the VMX backend (Intel SDM Vol. 3, appendix B). */
#ifndef ARCH_X86_VMX_VMCS_H
#define ARCH_X86_VMX_VMCS_H

/* 16-bit fields. */
#define CTL_VPID     0x0000
#define GUEST_ES_SEL 0x0800 /* ES CS SS DS FS GS LDTR TR follow, 2 apart */
#define HOST_ES_SEL  0x0C00
#define HOST_CS_SEL  0x0C02
#define HOST_SS_SEL  0x0C04
#define HOST_DS_SEL  0x0C06
#define HOST_FS_SEL  0x0C08
#define HOST_GS_SEL  0x0C0A
#define HOST_TR_SEL  0x0C0C

/* 64-bit fields. */
#define CTL_IO_BITMAP_A         0x2000
#define CTL_IO_BITMAP_B         0x2002
#define CTL_MSR_BITMAP          0x2004
#define CTL_EXIT_MSR_STORE_ADDR 0x2006
#define CTL_EXIT_MSR_LOAD_ADDR  0x2008
#define CTL_ENTRY_MSR_LOAD_ADDR 0x200A
#define CTL_TSC_OFFSET          0x2010
#define CTL_EPTP                0x201A
#define CTL_XSS_EXIT_BITMAP     0x202C
#define GUEST_PHYS_ADDR         0x2400
#define GUEST_LINK_PTR          0x2800
#define GUEST_DEBUGCTL          0x2802
#define GUEST_PAT               0x2804
#define GUEST_EFER              0x2806
#define HOST_PAT                0x2C00
#define HOST_EFER               0x2C02

/* 32-bit fields. */
#define CTL_PIN                  0x4000
#define CTL_PROC                 0x4002
#define CTL_EXC_BITMAP           0x4004
#define CTL_PF_MASK              0x4006
#define CTL_PF_MATCH             0x4008
#define CTL_CR3_TARGET_COUNT     0x400A
#define CTL_EXIT                 0x400C
#define CTL_EXIT_MSR_STORE_COUNT 0x400E
#define CTL_EXIT_MSR_LOAD_COUNT  0x4010
#define CTL_ENTRY                0x4012
#define CTL_ENTRY_MSR_LOAD_COUNT 0x4014
#define CTL_ENTRY_INTR_INFO      0x4016
#define CTL_ENTRY_EXC_ERR        0x4018
#define CTL_ENTRY_INSN_LEN       0x401A
#define CTL_PROC2                0x401E
#define VM_INSN_ERROR            0x4400
#define EXIT_REASON              0x4402
#define EXIT_INTR_INFO           0x4404
#define EXIT_INTR_ERR            0x4406
#define EXIT_IDT_VECTORING_INFO  0x4408
#define EXIT_IDT_VECTORING_ERR   0x440A
#define EXIT_INSN_LEN            0x440C
#define GUEST_ES_LIMIT           0x4800 /* same order as the selectors */
#define GUEST_GDTR_LIMIT         0x4810
#define GUEST_IDTR_LIMIT         0x4812
#define GUEST_ES_AR              0x4814 /* same order as the selectors */
#define GUEST_CS_AR              0x4816
#define GUEST_SS_AR              0x4818
#define GUEST_INTERRUPTIBILITY   0x4824
#define GUEST_ACTIVITY           0x4826
#define GUEST_SYSENTER_CS        0x482A
#define GUEST_PREEMPT_TIMER      0x482E
#define HOST_SYSENTER_CS         0x4C00

/* Natural-width fields. */
#define CTL_CR0_MASK       0x6000
#define CTL_CR4_MASK       0x6002
#define CTL_CR0_SHADOW     0x6004
#define CTL_CR4_SHADOW     0x6006
#define EXIT_QUALIFICATION 0x6400
#define GUEST_CR0          0x6800
#define GUEST_CR3          0x6802
#define GUEST_CR4          0x6804
#define GUEST_ES_BASE      0x6806 /* same order as the selectors */
#define GUEST_CS_BASE      0x6808
#define GUEST_GDTR_BASE    0x6816
#define GUEST_IDTR_BASE    0x6818
#define GUEST_DR7          0x681A
#define GUEST_RSP          0x681C
#define GUEST_RIP          0x681E
#define GUEST_RFLAGS       0x6820
#define GUEST_PENDING_DBG  0x6822
#define GUEST_SYSENTER_ESP 0x6824
#define GUEST_SYSENTER_EIP 0x6826
#define HOST_CR0           0x6C00
#define HOST_CR3           0x6C02
#define HOST_CR4           0x6C04
#define HOST_FS_BASE       0x6C06
#define HOST_GS_BASE       0x6C08
#define HOST_TR_BASE       0x6C0A
#define HOST_GDTR_BASE     0x6C0C
#define HOST_IDTR_BASE     0x6C0E
#define HOST_SYSENTER_ESP  0x6C10
#define HOST_SYSENTER_EIP  0x6C12
#define HOST_RSP           0x6C14
#define HOST_RIP           0x6C16

#endif
