/* SPDX-License-Identifier: BSD-3-Clause */
/* RISC-V CSR access and the privileged-architecture constants the port uses. */
#ifndef ARCH_RISCV_CPU_H
#define ARCH_RISCV_CPU_H

#include <hv/types.h>

#define csr_read(csr)                                                     \
	({                                                                \
		uint64_t __v;                                             \
		__asm__ volatile("csrr %0, " #csr : "=r"(__v)::"memory"); \
		__v;                                                      \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"(val) : "memory")
#define csr_set(csr, val)   __asm__ volatile("csrs " #csr ", %0" ::"rK"(val) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"rK"(val) : "memory")

/* Sstc and H CSRs by number: the assembler of GCC 12 may not know every name. */
#define CSR_STIMECMP       0x14D
#define CSR_VSTIMECMP      0x24D
#define CSR_HENVCFG        0x60A

#define SSTATUS_SIE        BIT(1)
#define SSTATUS_SPIE       BIT(5)
#define SSTATUS_SPP        BIT(8)
#define SSTATUS_FS         (3ULL << 13)
#define SSTATUS_FS_INITIAL (1ULL << 13)

#define HSTATUS_GVA        BIT(6)
#define HSTATUS_SPV        BIT(7)
#define HSTATUS_SPVP       BIT(8)
#define HSTATUS_VTW        BIT(21)

#define HENVCFG_STCE       BIT(63)

/* Interrupt numbers (sip/sie bit positions, scause codes with the interrupt bit). */
#define IRQ_S_SOFT   1
#define IRQ_VS_SOFT  2
#define IRQ_S_TIMER  5
#define IRQ_VS_TIMER 6
#define IRQ_S_EXT    9
#define IRQ_VS_EXT   10

#define SCAUSE_IRQ   BIT(63)

/* Exception codes (scause without the interrupt bit). */
#define EXC_INSN_MISALIGNED  0
#define EXC_INSN_ACCESS      1
#define EXC_ILLEGAL_INSN     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_ECALL_S          9
#define EXC_ECALL_VS         10
#define EXC_ECALL_M          11
#define EXC_INSN_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15
#define EXC_INSN_GUEST_PF    20
#define EXC_LOAD_GUEST_PF    21
#define EXC_VIRTUAL_INSN     22
#define EXC_STORE_GUEST_PF   23

#define HGATP_MODE_SV39X4    (8ULL << 60)
#define HGATP_VMID_SHIFT     44

static inline void irq_enable(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

static inline void irq_disable(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

static inline uint64_t rdtime(void)
{
	uint64_t t;

	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

static inline void wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

#endif
