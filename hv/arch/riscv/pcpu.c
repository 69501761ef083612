/* SPDX-License-Identifier: BSD-3-Clause */
/* pCPU hooks on RISC-V: harts started through SBI HSM, IPIs through SBI, board power-off. */
#include <arch/board.h>
#include <arch/cpu.h>
#include <arch/sbi.h>
#include <arch/trap.h>
#include <hv/boot.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>

#define HART_STACK_PAGES 4

/* What rv_secondary_start (entry.S) loads: the offsets are fixed there. */
struct rv_hart_start {
	uint64_t sp;
	struct pcpu *pcpu;
};
_Static_assert(offsetof(struct rv_hart_start, sp) == 0, "entry.S: sp at 0");
_Static_assert(offsetof(struct rv_hart_start, pcpu) == 8, "entry.S: pcpu at 8");

/* sifive,test0: a write of 0x5555 passes, (code << 16) | 0x3333 fails with status code. */
#define TEST_PASS 0x5555
#define TEST_FAIL 0x3333
/* QEMU status for a failure; 0 is the orderly power-off, 1 is QEMU's own error status. */
#define BOARD_FAILURE_STATUS 3

static struct rv_hart_start hart_start[MAX_PCPUS];
extern struct rv_hart_start *volatile rv_pending_start;

extern uint8_t rv_secondary_start[], _start[];

struct pcpu *pcpu_arch_this(void)
{
	return rv_this_pcpu();
}

void cpu_relax(void)
{
	/* Zihintpause's "pause", encoded as the fence hint so any assembler takes it. */
	__asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010");
}

void pcpu_arch_idle(void)
{
	/*
	 * WFI wakes on a pending enabled interrupt even with sstatus.SIE clear,
	 * so no wake-up is lost between the caller's last check and here; the
	 * interrupt is then taken in the short SIE window.
	 */
	wfi();
	irq_enable();
	irq_disable();
}

void pcpu_arch_send_ipi(cpuid_t target, enum ipi_kind kind)
{
	struct pcpu *p = pcpu_get(target);

	__atomic_or_fetch(&p->arch.ipi_pending, 1U << kind, __ATOMIC_SEQ_CST);
	sbi_send_ipi(p->hw_id);
}

void rv_park(void)
{
	irq_disable();
	csr_write(sie, 0);
	for (;;)
		wfi();
}

void pcpu_arch_board_off(int code)
{
	volatile uint32_t *test = (volatile uint32_t *)(uintptr_t)rv_board.test_base;

	irq_disable();
	pr_info("board power-off (%s)\n", code ? "failure" : "orderly");
	for (unsigned i = 0; i < nr_pcpus; i++) {
		if (pcpus[i].online && &pcpus[i] != this_pcpu())
			pcpu_arch_send_ipi((cpuid_t)i, IPI_SHUTDOWN);
	}
	/*
	 * SRST cannot carry an exit status, so a failure goes to the test device
	 * first (QEMU then exits with BOARD_FAILURE_STATUS); an orderly power-off
	 * uses SRST, which OpenSBI implements on the same device with "pass".
	 */
	if (code && test)
		*test = (BOARD_FAILURE_STATUS << 16) | TEST_FAIL;
	sbi_system_reset(SBI_SRST_SHUTDOWN, code ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE);
	if (test)
		*test = code ? (BOARD_FAILURE_STATUS << 16) | TEST_FAIL : TEST_PASS;
	pr_err("board power-off: neither SBI SRST nor a test device worked; parking\n");
	rv_park();
}

/* Per-hart setup shared by the boot hart and the secondaries. */
void rv_pcpu_init(struct pcpu *p)
{
	p->self = p;
	csr_write(sscratch, 0);
	/* Interrupts the hypervisor takes itself: timer and IPIs (external: none yet). */
	csr_write(sie, BIT(IRQ_S_SOFT) | BIT(IRQ_S_TIMER));
	timer_arch_program(0);
	/*
	 * What a guest handles itself, without an exit: its own breakpoints,
	 * illegal instructions, misaligned and faulting accesses, user ecalls
	 * and VS-stage page faults, and the VS software, timer and external
	 * interrupts.
	 */
	csr_write(hedeleg, BIT(EXC_INSN_MISALIGNED) | BIT(EXC_INSN_ACCESS) | BIT(EXC_ILLEGAL_INSN) |
	                           BIT(EXC_BREAKPOINT) | BIT(EXC_LOAD_MISALIGNED) |
	                           BIT(EXC_LOAD_ACCESS) | BIT(EXC_STORE_MISALIGNED) |
	                           BIT(EXC_STORE_ACCESS) | BIT(EXC_ECALL_U) |
	                           BIT(EXC_INSN_PAGE_FAULT) | BIT(EXC_LOAD_PAGE_FAULT) |
	                           BIT(EXC_STORE_PAGE_FAULT));
	csr_write(hideleg, BIT(IRQ_VS_SOFT) | BIT(IRQ_VS_TIMER) | BIT(IRQ_VS_EXT));
	csr_write(hcounteren, 0x7); /* cycle, time, instret readable in VS/VU */
	csr_write(htimedelta, 0);
	csr_write(hvip, 0);
	csr_write(hgatp, 0);
	/* Sstc for guests: their stimecmp writes go to vstimecmp, no exit. */
	if (rv_board.sstc)
		__asm__ volatile("csrs 0x60A, %0" ::"r"(HENVCFG_STCE) : "memory"); /* henvcfg */
}

void rv_secondary_main(struct pcpu *p)
{
	rv_pcpu_init(p);
	pcpu_secondary_main(p);
}

void pcpu_arch_start_secondaries(void)
{
	bool late_start = boot_cmdline_has("selftest=late-start");

	for (unsigned i = 1; i < nr_pcpus; i++) {
		struct pcpu *p = &pcpus[i];
		paddr_t stack = page_pool_alloc(&hv_pages, HART_STACK_PAGES, 1);
		uint64_t deadline;
		int err;

		if (!stack) {
			pr_err("pCPU %u: no memory for its stack\n", i);
			continue;
		}
		p->self = p;
		p->stack_top = hpa_to_ptr(stack + HART_STACK_PAGES * PAGE_SIZE);
		hart_start[i] = (struct rv_hart_start){ .sp = ptr_to_hpa(p->stack_top), .pcpu = p };
		/* For a hart OpenSBI sends to _start instead (entry.S): one start at a time. */
		rv_pending_start = &hart_start[i];
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		/*
		 * selftest=late-start sends the hart where OpenSBI 1.1's race does
		 * (the boot entry), so a board test covers the way back (entry.S).
		 */
		err = sbi_hart_start(p->hw_id, ptr_to_hpa(late_start ? _start : rv_secondary_start),
		                     (unsigned long)ptr_to_hpa(&hart_start[i]));
		if (err) {
			pr_err("pCPU %u (hart %u): SBI HSM hart_start failed (error %d)\n", i,
			       p->hw_id, err);
			continue;
		}
		deadline = timer_now() + us_to_ticks(1000000);
		while (!p->online && timer_now() < deadline)
			cpu_relax();
		if (!p->online)
			pr_err("pCPU %u (hart %u) did not come up\n", i, p->hw_id);
	}
	unsigned online = 0;

	for (unsigned i = 0; i < nr_pcpus; i++)
		online += pcpus[i].online;
	pr_info("%u pCPU(s) online\n", online);
}
