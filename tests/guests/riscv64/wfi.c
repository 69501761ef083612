/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WFI under the hypervisor (hv/arch/riscv/wfi.c: hstatus.VTW makes it an
 * exit that halts the vCPU), executed with sstatus.SIE off so that it
 * returns rather than traps: an enabled interrupt already pending completes
 * it at once; the SBI timer wakes it at its deadline, not before and with
 * one WFI; an SBI IPI wakes the other hart sleeping in WFI. A wake-up that
 * never comes hangs the guest, which the board test's timeout catches.
 */
#include "guest.h"

#define SIE_SSIE    BIT(1)
#define SIE_STIE    BIT(5)
#define SIP_SSIP    BIT(1)
#define SSTATUS_SIE BIT(1)
#define HSM_START   0
#define HSM_STOP    1
#define TICKS_MS    10000UL
#define NR_SLEEPS   5

extern char secondary_start[];

static volatile unsigned fired;
static volatile unsigned long fired_at;
static volatile unsigned h1_state; /* 1: about to sleep, 2: woke up */
static volatile unsigned long h1_woke_at, h1_wfis;
static uint64_t h1_stack[512] __attribute__((aligned(16)));

static inline void wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

static void check(const char *what, int ok)
{
	puts_sbi("RV-WFI: ");
	puts_sbi(what);
	puts_sbi(ok ? " ok\n" : " FAILED\n");
}

/* Hart 1: sleeps in WFI with only the software interrupt enabled. */
void secondary_main(unsigned long hartid, unsigned long opaque)
{
	(void)hartid;
	(void)opaque;
	install_traps();
	csr_write(sie, SIE_SSIE);
	h1_state = 1;
	do {
		wfi();
		h1_wfis++;
	} while (!(csr_read(sip) & SIP_SSIP));
	h1_woke_at = rdtime();
	csr_clear(sip, SIP_SSIP);
	__sync_synchronize();
	h1_state = 2;
	ecall(EXT_HSM, HSM_STOP, 0, 0, 0);
	for (;;)
		;
}

static int wait_for(volatile unsigned *what, unsigned value, unsigned long ms)
{
	unsigned long deadline = rdtime() + ms * TICKS_MS;

	while (*what != value && rdtime() < deadline)
		;
	return *what == value;
}

/*
 * The timer interrupt is taken (sstatus.SIE on) between WFIs, not polled in
 * sip: QEMU 7.2 shows no STIP in a guest's sip, neither one raised by
 * vstimecmp nor one the hypervisor injects through hvip.
 */
void guest_trap(struct gframe *f)
{
	if (f->scause != (CAUSE_IRQ | 5)) {
		say_hex("RV-WFI: unexpected trap FAILED, scause ", f->scause);
		shutdown();
	}
	fired_at = rdtime();
	fired++;
	ecall(EXT_TIME, 0, ~0UL, 0, 0); /* lowers it */
}

/* Let the pending interrupt in; how many were taken in all. */
static unsigned take_pending(void)
{
	csr_set(sstatus, SSTATUS_SIE);
	csr_clear(sstatus, SSTATUS_SIE);
	return fired;
}

/* WFI until the timer interrupt number goal was taken; how many WFIs it took. */
static unsigned sleep_until_fired(unsigned goal)
{
	unsigned n = 0;

	for (;;) {
		csr_clear(sstatus, SSTATUS_SIE); /* no interrupt between the check and WFI */
		if (fired >= goal)
			return n;
		wfi();
		n++;
		csr_set(sstatus, SSTATUS_SIE); /* the pending interrupt is taken here */
	}
}

void guest_main(unsigned long hartid)
{
	unsigned ontime = 0, once = 0;
	unsigned long t0, sent;

	(void)hartid;
	install_traps();
	csr_write(sie, SIE_STIE);

	/* A pending enabled interrupt: the WFI does not sleep. */
	ecall(EXT_TIME, 0, rdtime() - 1, 0, 0);
	t0 = rdtime();
	wfi();
	check("wfi with an enabled interrupt pending returns at once",
	      rdtime() - t0 < 100 * TICKS_MS && take_pending() == 1);

	/* The timer wakes a sleeping WFI at the deadline. */
	for (unsigned i = 0; i < NR_SLEEPS; i++) {
		unsigned long deadline = rdtime() + 20 * TICKS_MS;
		unsigned n;

		ecall(EXT_TIME, 0, deadline, 0, 0);
		n = sleep_until_fired(2 + i);
		ontime += fired_at >= deadline;
		once += n == 1;
	}
	check("wfi sleeps until the timer deadline", ontime == NR_SLEEPS);
	check("one wfi per deadline, no early wake-up", once == NR_SLEEPS);

	/* An IPI wakes hart 1 from its WFI. */
	csr_clear(sstatus, SSTATUS_SIE);
	csr_write(sie, 0);
	check("hart 1 started", ecall(EXT_HSM, HSM_START, 1, (unsigned long)secondary_start,
	                              (unsigned long)&h1_stack[512])
	                                                .error == 0 &&
	                                wait_for(&h1_state, 1, 1000));
	t0 = rdtime();
	while (rdtime() - t0 < 20 * TICKS_MS) /* let it fall asleep */
		;
	sent = rdtime();
	ecall(EXT_IPI, 0, 2, 0, 0); /* hart_mask bit 1 */
	check("an IPI wakes hart 1 from wfi",
	      wait_for(&h1_state, 2, 1000) && h1_woke_at >= sent && h1_wfis == 1);
	puts_sbi("RV-WFI: done\n");
	shutdown();
}
