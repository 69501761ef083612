/* SPDX-License-Identifier: BSD-3-Clause */
#include <glib.h>
#include <hv/sched.h>

void cpu_relax(void)
{
}

static struct sched_rq rq;
static struct sched_entity e[3];

static void setup(unsigned n)
{
	sched_rq_init(&rq);
	for (unsigned i = 0; i < n; i++) {
		e[i] = (struct sched_entity){ .owner = &e[i] };
		g_assert_cmpint(sched_attach(&rq, &e[i]), ==, 0);
		sched_wake(&rq, &e[i]);
	}
}

static void test_idle_when_nothing_runnable(void)
{
	setup(1);
	sched_block(&rq, &e[0]);
	g_assert_null(sched_pick_next(&rq, 100));
	g_assert_cmpuint(sched_nr_runnable(&rq), ==, 0);
}

static void test_partitioned_single_entity(void)
{
	setup(1);
	for (uint64_t t = 0; t < 10; t++)
		g_assert_true(sched_pick_next(&rq, t * 1000) == &e[0]);
	g_assert_cmpuint(sched_nr_runnable(&rq), ==, 1);
}

/* Two CPU-bound entities with equal slices get equal time within one slice. */
static void test_shared_fairness(void)
{
	uint64_t now = 0, slice = 1000, got[2] = { 0, 0 };

	setup(2);
	struct sched_entity *cur = sched_pick_next(&rq, now);
	for (int i = 0; i < 1000; i++) {
		now += slice;
		got[cur - e] += slice;
		cur = sched_pick_next(&rq, now);
	}
	g_assert_cmpuint(got[0] + got[1], ==, 1000 * slice);
	g_assert_cmpuint(got[0] > got[1] ? got[0] - got[1] : got[1] - got[0], <=, slice);
}

/* A sleeper that wakes is not owed the time it slept. */
static void test_sleeper_gets_no_credit(void)
{
	uint64_t now = 0;
	int ran0 = 0;

	setup(2);
	sched_block(&rq, &e[1]);
	for (int i = 0; i < 100; i++) {
		now += 1000;
		g_assert_true(sched_pick_next(&rq, now) == &e[0]);
	}
	sched_wake(&rq, &e[1]);
	/* Now they must alternate, not let e[1] run for 100 slices. */
	for (int i = 0; i < 10; i++) {
		now += 1000;
		ran0 += sched_pick_next(&rq, now) == &e[0];
	}
	g_assert_cmpint(ran0, >=, 4);
	g_assert_cmpint(ran0, <=, 6);
}

static void test_detach_current(void)
{
	setup(2);
	struct sched_entity *cur = sched_pick_next(&rq, 10);
	sched_detach(&rq, cur);
	g_assert_true(sched_pick_next(&rq, 20) != cur);
	g_assert_cmpuint(rq.nr, ==, 1);
}

static void test_attach_limit(void)
{
	static struct sched_entity many[SCHED_MAX_PER_PCPU + 1];

	sched_rq_init(&rq);
	for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++)
		g_assert_cmpint(sched_attach(&rq, &many[i]), ==, 0);
	g_assert_cmpint(sched_attach(&rq, &many[SCHED_MAX_PER_PCPU]), <, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sched/idle", test_idle_when_nothing_runnable);
	g_test_add_func("/sched/partitioned", test_partitioned_single_entity);
	g_test_add_func("/sched/shared-fairness", test_shared_fairness);
	g_test_add_func("/sched/sleeper-no-credit", test_sleeper_gets_no_credit);
	g_test_add_func("/sched/detach-current", test_detach_current);
	g_test_add_func("/sched/attach-limit", test_attach_limit);
	return g_test_run();
}
