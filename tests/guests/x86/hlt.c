// SPDX-License-Identifier: BSD-3-Clause
/*
 * HLT exits: a halted vCPU sleeps until its armed timer fires, and not
 * shorter. Every hlt here has a timer armed first: hlt with IF=1 and nothing
 * pending would sleep forever.
 */
#include "guest.h"

#define VEC_TIMER 0xe0

static volatile unsigned int timer_hits;
static volatile uint64_t timer_tsc;

static void timer_isr(struct isr_frame *f)
{
	(void)f;
	timer_tsc = rdtsc();
	timer_hits++;
	x2apic_eoi();
}

/* One sleep on a TSC deadline us_ahead in the future; returns slept ticks. */
static uint64_t sleep_deadline(uint64_t us_ahead)
{
	uint64_t t0, deadline, woke;
	unsigned int hits = timer_hits;

	wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_TSC_DL | VEC_TIMER);
	t0 = rdtsc();
	deadline = t0 + tsc_us_to_ticks(us_ahead);
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	safe_halt();
	irq_disable();
	woke = rdtsc();

	/* The one hlt was ended by the timer, not by anything else. */
	EXPECT_EQ(timer_hits, hits + 1);
	EXPECT_GE(timer_tsc, deadline);
	EXPECT_GE(woke, deadline);
	return woke - t0;
}

void guest_main(void)
{
	uint64_t slept, want;

	TEST_START("hlt");
	irq_set_handler(VEC_TIMER, timer_isr);
	x2apic_enable();

	want = tsc_us_to_ticks(10000);
	slept = sleep_deadline(10000);
	gprintf("hlt: 10 ms deadline slept %llu us\n", (unsigned long long)tsc_ticks_to_us(slept));
	EXPECT_GE(slept, want);
	/* Generous upper bound: TCG is slow, but a second means a lost wakeup. */
	EXPECT_LE(slept, tsc_us_to_ticks(1000000));

	/* Several short sleeps in a row: each must wake exactly once. */
	for (int i = 0; i < 5; i++) {
		slept = sleep_deadline(2000);
		EXPECT_GE(slept, tsc_us_to_ticks(2000));
	}

	/*
	 * One-shot APIC timer as the wake source, at the crystal rate: the
	 * sleep must last at least the programmed count.
	 */
	if (apic_timer_hz()) {
		uint32_t count = apic_timer_hz() / 200; /* 5 ms */
		unsigned int hits = timer_hits;
		uint64_t t0;

		wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
		wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_ONESHOT | VEC_TIMER);
		t0 = rdtsc();
		wrmsr(X2APIC_TMICT, count);
		safe_halt();
		irq_disable();
		EXPECT_EQ(timer_hits, hits + 1);
		EXPECT_GE(timer_tsc - t0, tsc_us_to_ticks(5000) * 99 / 100);
	} else {
		FAIL_MSG("no vLAPIC timer rate (CPUID 0x15 ECX = 0)");
	}

	/*
	 * An interrupt that became pending while IF=0 must end the next
	 * sti;hlt at once (sti's shadow keeps it from being taken before hlt).
	 */
	{
		unsigned int hits = timer_hits;
		uint64_t t0 = rdtsc();

		wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_TSC_DL | VEC_TIMER);
		wrmsr(MSR_IA32_TSC_DEADLINE, t0 + tsc_us_to_ticks(1000));
		udelay(3000);
		safe_halt();
		irq_disable();
		EXPECT_EQ(timer_hits, hits + 1);
		EXPECT_LE(rdtsc() - t0, tsc_us_to_ticks(500000));
	}

	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED);
	EXPECT_EQ(irq_unexpected, 0);
	TEST_END();
}
