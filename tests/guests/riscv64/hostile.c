/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hostile guest: wild MMIO, an atomic on MMIO, a fetch outside RAM,
 * illegal and hypervisor-only instructions, and SBI calls with bad
 * arguments. Each must come back as an SBI error, all-ones, or an exception
 * in the guest's own handler; at the end its trap vector points outside RAM
 * and it jumps there, which leaves the hypervisor nothing to do but stop the
 * VM. The witness VM on the other pCPU must not notice.
 */
#include "guest.h"

static volatile unsigned long last_cause = ~0UL, last_tval;
static volatile unsigned nr_traps;

void guest_trap(struct gframe *f)
{
	last_cause = f->scause;
	last_tval = f->stval;
	nr_traps++;
	if (f->scause == 1) {
		f->sepc = f->x[1]; /* a call into nowhere: return to the caller */
		return;
	}
	/* Skip the faulting instruction (its length from its first halfword). */
	f->sepc += (*(volatile uint16_t *)f->sepc & 3) == 3 ? 4 : 2;
}

static void check(const char *what, int ok)
{
	puts_sbi("RV-HOSTILE: ");
	puts_sbi(what);
	puts_sbi(ok ? " ok\n" : " FAILED\n");
}

static int trapped(unsigned long cause)
{
	int ok = last_cause == cause;

	last_cause = ~0UL;
	return ok;
}

void guest_main(unsigned long hartid, const void *fdt)
{
	volatile uint32_t *wild = (volatile uint32_t *)0x40000000UL;
	unsigned long v;

	(void)hartid;
	(void)fdt;
	install_traps();
	puts_sbi("RV-HOSTILE: start\n");

	check("wild MMIO read gives all ones", *wild == 0xffffffffU);
	*wild = 0x12345678;
	check("wild MMIO write dropped", last_cause == ~0UL);
	v = *(volatile uint64_t *)0x0c000000UL; /* 64-bit read of a 32-bit PLIC register */
	check("wrong-width PLIC read gives all ones", v == ~0UL);

	__asm__ volatile("amoadd.w %0, %1, (%2)" : "=r"(v) : "r"(1UL), "r"(wild) : "memory");
	check("atomic on MMIO gets a store access fault", trapped(7));

	/* One lw (C would split a known-misaligned access into halves). */
	__asm__ volatile("lw %0, 0(%1)" : "=r"(v) : "r"(0x40000002UL) : "memory");
	check("misaligned MMIO load gets a load access fault", trapped(5));

	((void (*)(void))0x40001000UL)();
	check("call outside RAM gets an instruction access fault",
	      trapped(1) && last_tval == 0x40001000UL);

	__asm__ volatile(".word 0xc0001073" ::: "memory"); /* csrw cycle, x0: read-only CSR */
	check("illegal instruction reaches the guest", trapped(2));
	__asm__ volatile("csrr %0, hgatp" : "=r"(v));
	check("hypervisor CSR gets an illegal instruction", trapped(2));

	check("unknown SBI extension", ecall(0x12345678, 0, 0, 0, 0).error == -2);
	check("hart_start of a missing hart", ecall(EXT_HSM, 0, 5, 0x200000, 0).error == -3);
	check("hart_start outside RAM", ecall(EXT_HSM, 0, 0, 0x40000000, 0).error == -5);
	check("hart_start of a running hart", ecall(EXT_HSM, 0, 0, 0x200000, 0).error == -6);
	check("ipi to missing harts", ecall(EXT_IPI, 0, ~0UL, 0, 0).error == -3);
	check("rfence with a wild base", ecall(EXT_RFENCE, 0, 1, 99, 0).error == -3);
	check("dbcn write outside RAM", ecall(EXT_DBCN, 0, 1UL << 40, 0x7ff0000, 0).error == -3);
	check("srst with a bad type", ecall(EXT_SRST, 0, 77, 0, 0).error == -3);
	check("hypercalls refused", ecall(0x0A000ACE, 0, 0, 0, 0).error == -2);
	check("hsm suspend refused", ecall(EXT_HSM, 3, 0, 0, 0).error == -2);
	check("no unexpected traps", nr_traps == 5);

	puts_sbi("RV-HOSTILE: jumping outside RAM with no usable trap vector\n");
	csr_write(stvec, 0x40000000UL);
	((void (*)(void))0x40002000UL)();
	puts_sbi("RV-HOSTILE: still running FAILED\n");
	shutdown();
}
