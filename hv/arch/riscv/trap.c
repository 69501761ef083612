/* SPDX-License-Identifier: BSD-3-Clause */
/* Traps taken while the hypervisor itself runs: timer, IPIs, and crash reports. */
#include <arch/cpu.h>
#include <arch/trap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>

extern uint8_t hv_image_start[];
extern uint8_t rv_hlvx_hu_insn[], rv_hlvx_wu_insn[], rv_hlvx_fault[], rv_mmio_hlvx_wu[];

static const char *const exc_names[] = {
	[EXC_INSN_MISALIGNED] = "instruction address misaligned",
	[EXC_INSN_ACCESS] = "instruction access fault",
	[EXC_ILLEGAL_INSN] = "illegal instruction",
	[EXC_BREAKPOINT] = "breakpoint",
	[EXC_LOAD_MISALIGNED] = "load address misaligned",
	[EXC_LOAD_ACCESS] = "load access fault",
	[EXC_STORE_MISALIGNED] = "store address misaligned",
	[EXC_STORE_ACCESS] = "store access fault",
	[EXC_ECALL_U] = "ecall from U",
	[EXC_ECALL_S] = "ecall from HS",
	[EXC_ECALL_VS] = "ecall from VS",
	[EXC_INSN_PAGE_FAULT] = "instruction page fault",
	[EXC_LOAD_PAGE_FAULT] = "load page fault",
	[EXC_STORE_PAGE_FAULT] = "store page fault",
	[EXC_INSN_GUEST_PF] = "instruction guest-page fault",
	[EXC_LOAD_GUEST_PF] = "load guest-page fault",
	[EXC_VIRTUAL_INSN] = "virtual instruction",
	[EXC_STORE_GUEST_PF] = "store guest-page fault",
};

/* RAM the hypervisor may read while reporting: from its image to the pool's end. */
static bool readable(uint64_t addr, uint64_t len)
{
	uint64_t lo = ptr_to_hpa(hv_image_start);
	uint64_t hi = hv_pages.base + hv_pages.nr_pages * PAGE_SIZE;

	return addr >= lo && addr < hi && len <= hi - addr;
}

/* Return addresses along the frame-pointer chain: ra at fp-8, the caller's fp at fp-16. */
static void backtrace(uint64_t fp)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "  call trace:");

	for (int depth = 0; depth < 8; depth++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)fp;

		if ((fp & 7) || !readable(fp - 16, 16))
			break;
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %lx", frame[-1]);
		if (frame[-2] <= fp) /* frames grow upwards; anything else is garbage */
			break;
		fp = frame[-2];
	}
	pr_err("%s (addr2line -e acrn-riscv64.elf ADDR)\n", line);
}

static void crash_report(const struct rv_trap_frame *f)
{
	uint64_t code = f->scause & ~SCAUSE_IRQ;
	const char *name =
	        !(f->scause & SCAUSE_IRQ) && code < ARRAY_SIZE(exc_names) && exc_names[code]
	                ? exc_names[code]
	                : "?";
	const uint64_t *sp = (const uint64_t *)(uintptr_t)f->x[2];

	pr_err("HYPERVISOR PANIC: %s %lu (%s), stval 0x%lx\n",
	       (f->scause & SCAUSE_IRQ) ? "interrupt" : "exception", code, name, f->stval);
	pr_err("  sepc %016lx sstatus %016lx\n", f->sepc, f->sstatus);
	pr_err("  ra %016lx sp %016lx gp %016lx tp %016lx\n", f->x[1], f->x[2], f->x[3], f->x[4]);
	pr_err("  s0 %016lx s1 %016lx a0 %016lx a1 %016lx\n", f->x[8], f->x[9], f->x[10], f->x[11]);
	pr_err("  a2 %016lx a3 %016lx a4 %016lx a5 %016lx\n", f->x[12], f->x[13], f->x[14],
	       f->x[15]);
	pr_err("  t0 %016lx t1 %016lx t2 %016lx a6 %016lx a7 %016lx\n", f->x[5], f->x[6], f->x[7],
	       f->x[16], f->x[17]);
	if (readable(f->x[2], 64)) {
		for (int i = 0; i < 8; i += 4)
			pr_err("  stack: %016lx %016lx %016lx %016lx\n", sp[i], sp[i + 1],
			       sp[i + 2], sp[i + 3]);
	}
	backtrace(f->x[8]);
}

static void take_ipi(void)
{
	struct pcpu *p = this_pcpu();
	uint32_t pending;

	csr_clear(sip, BIT(IRQ_S_SOFT));
	pending = __atomic_exchange_n(&p->arch.ipi_pending, 0, __ATOMIC_SEQ_CST);
	if (pending & BIT(IPI_SHUTDOWN))
		rv_park();
	/* IPI_KICK: the trap itself was the point; the run loop checks requests. */
}

void rv_trap(struct rv_trap_frame *f)
{
	struct pcpu *p = rv_this_pcpu();

	/* The trap cleared hstatus.SPV and its sret will clear sstatus.SPP (vcpu.c). */
	if (p)
		p->arch.host_traps++;
	if (f->scause == (SCAUSE_IRQ | IRQ_S_TIMER)) {
		timer_softirq();
		return;
	}
	if (f->scause == (SCAUSE_IRQ | IRQ_S_SOFT)) {
		take_ipi();
		return;
	}
	/* Reading a guest instruction faulted (the guest's page tables): not our fault. */
	if (!(f->scause & SCAUSE_IRQ) &&
	    (f->sepc == ptr_to_hpa(rv_hlvx_hu_insn) || f->sepc == ptr_to_hpa(rv_hlvx_wu_insn))) {
		f->sepc = ptr_to_hpa(rv_hlvx_fault);
		return;
	}
	if (!(f->scause & SCAUSE_IRQ) && f->sepc == ptr_to_hpa(rv_mmio_hlvx_wu)) {
		f->sepc += 4; /* its destination already holds -1 (mmio.c) */
		return;
	}
	crash_report(f);
	pcpu_arch_board_off(1);
}
