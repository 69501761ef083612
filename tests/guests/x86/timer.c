// SPDX-License-Identifier: BSD-3-Clause
/*
 * vLAPIC timer modes: one-shot, periodic and TSC-deadline, the current-count
 * register and the divide configuration. The timer counts at the crystal
 * clock (CPUID 0x15 ECX); time is checked against the TSC.
 */
#include "guest.h"

#define VEC_TIMER 0xd0

static volatile unsigned int ticks;
static volatile uint64_t last_tick_tsc;

static void timer_isr(struct isr_frame *f)
{
	(void)f;
	last_tick_tsc = rdtsc();
	ticks++;
	x2apic_eoi();
}

static uint32_t hz;

static uint32_t us_to_count(uint32_t us)
{
	return (uint32_t)((uint64_t)hz * us / 1000000);
}

static void test_oneshot(void)
{
	uint64_t t0, took;

	ticks = 0;
	wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_ONESHOT | VEC_TIMER);
	EXPECT_EQ(rdmsr(X2APIC_LVT_TIMER), APIC_TIMER_ONESHOT | VEC_TIMER);
	t0 = rdtsc();
	wrmsr(X2APIC_TMICT, us_to_count(10000));
	EXPECT_EQ(rdmsr(X2APIC_TMICT), us_to_count(10000));
	EXPECT_TRUE(wait_flag_irq(&ticks, 1000000));
	took = last_tick_tsc - t0;
	gprintf("timer: one-shot 10 ms took %llu us\n", (unsigned long long)tsc_ticks_to_us(took));
	EXPECT_GE(took, tsc_us_to_ticks(10000) * 99 / 100);
	EXPECT_LE(took, tsc_us_to_ticks(500000));
	/* Fires once, then the count stays at 0. */
	irq_enable();
	udelay(30000);
	irq_disable();
	EXPECT_EQ(ticks, 1);
	EXPECT_EQ(rdmsr(X2APIC_TMCCT), 0);
}

static void test_current_count(void)
{
	uint32_t init = us_to_count(1000000), c1, c2;

	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_ONESHOT | VEC_TIMER);
	wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	wrmsr(X2APIC_TMICT, init);
	c1 = (uint32_t)rdmsr(X2APIC_TMCCT);
	udelay(2000);
	c2 = (uint32_t)rdmsr(X2APIC_TMCCT);
	EXPECT_LE(c1, init);
	EXPECT_TRUE(c2 < c1);
	/* About 2 ms worth went by (at least; TCG may add more). */
	EXPECT_GE(c1 - c2, us_to_count(2000) * 95 / 100);

	/* Divide by 2 halves the rate: 2 ms takes half the count. */
	wrmsr(X2APIC_TDCR, APIC_TDCR_DIV2);
	wrmsr(X2APIC_TMICT, init);
	c1 = (uint32_t)rdmsr(X2APIC_TMCCT);
	udelay(2000);
	c2 = (uint32_t)rdmsr(X2APIC_TMCCT);
	gprintf("timer: 2 ms at divide-by-2 = %u counts (%u at /1)\n", c1 - c2, us_to_count(2000));
	EXPECT_GE(c1 - c2, us_to_count(2000) / 2 * 95 / 100);
	EXPECT_LE(c1 - c2, us_to_count(2000) * 70 / 100);

	/* Writing 0 to the initial count stops the timer. */
	wrmsr(X2APIC_TMICT, 0);
	EXPECT_EQ(rdmsr(X2APIC_TMCCT), 0);
	wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
}

static void test_periodic(void)
{
	const uint32_t period_us = 2000, run_us = 200000;
	uint64_t end;
	unsigned int n;
	uint32_t ccr;

	ticks = 0;
	wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_PERIODIC | VEC_TIMER);
	wrmsr(X2APIC_TMICT, us_to_count(period_us));
	end = rdtsc() + tsc_us_to_ticks(run_us);
	irq_enable();
	while (rdtsc() < end)
		cpu_relax();
	irq_disable();
	n = ticks;
	/* Periodic mode reloads: after many expiries the count still runs. */
	ccr = (uint32_t)rdmsr(X2APIC_TMCCT);
	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_PERIODIC | VEC_TIMER);
	wrmsr(X2APIC_TMICT, 0);
	gprintf("timer: periodic %u us over %u us: %u ticks (ideal %u)\n", period_us, run_us, n,
		run_us / period_us);
	/* Late ticks may merge under load, extra ones may not appear. */
	EXPECT_GE(n, run_us / period_us * 80 / 100);
	EXPECT_LE(n, run_us / period_us + 1);
	EXPECT_NE(ccr, 0);
	EXPECT_LE(ccr, us_to_count(period_us));
}

static void test_tsc_deadline(void)
{
	uint64_t dl;

	ticks = 0;
	wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_TSC_DL | VEC_TIMER);
	dl = rdtsc() + tsc_us_to_ticks(5000);
	wrmsr(MSR_IA32_TSC_DEADLINE, dl);
	EXPECT_TRUE(wait_flag_irq(&ticks, 1000000));
	EXPECT_GE(last_tick_tsc, dl);
	EXPECT_LE(last_tick_tsc - dl, tsc_us_to_ticks(500000));
	/* Fired: the MSR reads 0 again (SDM). */
	EXPECT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);

	/* A deadline in the past fires at once. */
	ticks = 0;
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() - 1);
	EXPECT_TRUE(wait_flag_irq(&ticks, 100000));

	/* Disarmed before expiry: no interrupt. */
	ticks = 0;
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + tsc_us_to_ticks(5000));
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	EXPECT_TRUE(!wait_flag_irq(&ticks, 20000));

	/* Masked LVT: the deadline passes without an interrupt. */
	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_TSC_DL | VEC_TIMER);
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + tsc_us_to_ticks(1000));
	EXPECT_TRUE(!wait_flag_irq(&ticks, 20000));
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED);
}

void guest_main(void)
{
	TEST_START("timer");
	irq_set_handler(VEC_TIMER, timer_isr);
	x2apic_enable();
	hz = apic_timer_hz();
	gprintf("timer: vLAPIC timer %u Hz, TSC %u kHz\n", hz, tsc_khz());
	if (!hz) {
		FAIL_MSG("no vLAPIC timer rate (CPUID 0x15 ECX = 0)");
		TEST_END();
	}
	test_oneshot();
	test_current_count();
	test_periodic();
	test_tsc_deadline();
	EXPECT_EQ(irq_unexpected, 0);
	TEST_END();
}
