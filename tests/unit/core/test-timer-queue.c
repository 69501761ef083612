/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-pCPU timers: ordering, cancel, expiry, and what reaches the hardware. */
#include <glib.h>
#include <hv/pcpu.h>
#include <hv/timer.h>

struct pcpu pcpus[MAX_PCPUS];
static uint64_t fake_now, programmed = ~0ULL;
static int fired[4];

struct pcpu *pcpu_arch_this(void)
{
	return &pcpus[0];
}

uint64_t timer_arch_now(void)
{
	return fake_now;
}

void timer_arch_program(uint64_t deadline)
{
	programmed = deadline;
}

void cpu_relax(void)
{
}

static struct timer t[4];

static void fire(struct timer *tm)
{
	fired[tm - t]++;
}

static void reset(void)
{
	pcpus[0] = (struct pcpu){ .self = &pcpus[0] };
	fake_now = 0;
	programmed = ~0ULL;
	for (int i = 0; i < 4; i++) {
		timer_init(&t[i], fire);
		fired[i] = 0;
	}
}

static void test_earliest_is_programmed(void)
{
	reset();
	timer_arm(&t[0], 300);
	g_assert_cmpuint(programmed, ==, 300);
	timer_arm(&t[1], 100);
	g_assert_cmpuint(programmed, ==, 100);
	timer_arm(&t[2], 200);
	g_assert_cmpuint(programmed, ==, 100);
	timer_cancel(&t[1]);
	g_assert_cmpuint(programmed, ==, 200);
}

static void test_expiry_in_order(void)
{
	reset();
	timer_arm(&t[0], 30);
	timer_arm(&t[1], 10);
	timer_arm(&t[2], 20);
	fake_now = 25;
	timer_softirq();
	g_assert_cmpint(fired[1], ==, 1);
	g_assert_cmpint(fired[2], ==, 1);
	g_assert_cmpint(fired[0], ==, 0);
	g_assert_cmpuint(programmed, ==, 30);
	fake_now = 30;
	timer_softirq();
	g_assert_cmpint(fired[0], ==, 1);
	g_assert_cmpuint(programmed, ==, 0); /* nothing left: tickless */
}

static void test_rearm_moves_timer(void)
{
	reset();
	timer_arm(&t[0], 50);
	timer_arm(&t[0], 500);
	fake_now = 100;
	timer_softirq();
	g_assert_cmpint(fired[0], ==, 0);
	g_assert_cmpuint(programmed, ==, 500);
	timer_cancel(&t[0]);
	timer_cancel(&t[0]); /* idempotent */
	g_assert_cmpuint(programmed, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/timer/earliest-programmed", test_earliest_is_programmed);
	g_test_add_func("/timer/expiry-order", test_expiry_in_order);
	g_test_add_func("/timer/rearm", test_rearm_moves_timer);
	return g_test_run();
}
