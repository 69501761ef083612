/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SBI timer: three deadlines, each interrupting no earlier than asked
 * and within a second; a deadline in the past fires at once; a cancelled
 * one stays quiet. With Sstc the hypervisor writes vstimecmp; without it
 * (QEMU -cpu rv64,sstc=off) a hypervisor timer injects the interrupt.
 */
#include "guest.h"

#define SIE_STIE    BIT(5)
#define SSTATUS_SIE BIT(1)
#define TICKS_MS    10000UL

static volatile unsigned fired;
static volatile unsigned long fired_at;

void guest_trap(struct gframe *f)
{
	if (f->scause != (CAUSE_IRQ | 5)) {
		say_hex("RV-TIMER: unexpected trap FAILED, scause ", f->scause);
		shutdown();
	}
	fired_at = rdtime();
	fired++;
	ecall(EXT_TIME, 0, ~0UL, 0, 0); /* lowers the interrupt */
}

static int wait_fired(unsigned goal, unsigned long ms)
{
	unsigned long deadline = rdtime() + ms * TICKS_MS;

	/* Busy: a WFI would sleep for good if the interrupt never came. */
	while (fired < goal && rdtime() < deadline)
		;
	return fired >= goal;
}

static void check(const char *what, int ok)
{
	puts_sbi("RV-TIMER: ");
	puts_sbi(what);
	puts_sbi(ok ? " ok\n" : " FAILED\n");
}

void guest_main(unsigned long hartid)
{
	unsigned ontime = 0;

	(void)hartid;
	install_traps();
	check("TIME extension present", ecall(EXT_BASE, 3, EXT_TIME, 0, 0).value == 1);
	csr_set(sie, SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	for (unsigned i = 1; i <= 3; i++) {
		unsigned long deadline = rdtime() + 20 * TICKS_MS;

		ecall(EXT_TIME, 0, deadline, 0, 0);
		if (wait_fired(i, 1000) && fired_at >= deadline)
			ontime++;
	}
	check("three deadlines, none early", ontime == 3);

	ecall(EXT_TIME, 0, rdtime() - 1, 0, 0);
	check("a past deadline fires at once", wait_fired(4, 5));

	ecall(EXT_TIME, 0, rdtime() + 20 * TICKS_MS, 0, 0);
	ecall(EXT_TIME, 0, ~0UL, 0, 0);
	check("a cancelled deadline stays quiet", !wait_fired(5, 100));
	puts_sbi("RV-TIMER: done\n");
	shutdown();
}
