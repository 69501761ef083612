/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtual PLIC through its registers, as a guest's driver uses it:
 * priorities, enables per context, thresholds, claim/complete of level
 * sources, and which hart's S context output changes.
 */
/* Before GLib, which #undefs and redefines MIN/MAX from hv/types.h. */
#include <arch/vplic.h>
#include <hv/errno.h>

#include <glib.h>

struct fake {
	struct vplic p;
	bool out[VPLIC_MAX_HARTS];
	unsigned nr_calls;
};

static void f_notify(void *owner, unsigned hart, bool level)
{
	struct fake *f = owner;

	g_assert_cmpuint(hart, <, f->p.nr_harts);
	g_assert_cmpint(level, !=, f->out[hart]); /* changes only */
	f->out[hart] = level;
	f->nr_calls++;
}

static void wr(struct fake *f, uint64_t off, uint32_t v)
{
	g_assert_cmpint(vplic_write(&f->p, off, 4, v), ==, 0);
}

static uint32_t rd(struct fake *f, uint64_t off)
{
	uint64_t v = 0xdead;

	g_assert_cmpint(vplic_read(&f->p, off, 4, &v), ==, 0);
	return (uint32_t)v;
}

#define PRIO(s)      (VPLIC_PRIORITY + 4 * (s))
#define ENABLE(c, s) (VPLIC_ENABLE + 0x80 * (c) + 4 * ((s) / 32))
#define THRESH(c)    (VPLIC_CONTEXT + 0x1000 * (c))
#define CLAIM(c)     (VPLIC_CONTEXT + 0x1000 * (c) + 4)
#define S_CTX(h)     (2 * (h) + 1)

static void setup(struct fake *f, unsigned harts)
{
	memset(f, 0, sizeof(*f));
	vplic_init(&f->p, harts, f_notify, f);
}

static void test_claim_complete(void)
{
	struct fake f;

	setup(&f, 2);
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 0);
	wr(&f, PRIO(10), 1);
	g_assert_cmpuint(rd(&f, PRIO(10)), ==, 1);
	wr(&f, ENABLE(S_CTX(0), 10), 1U << 10);
	vplic_set_line(&f.p, 10, true);
	g_assert_true(f.out[0]);
	g_assert_false(f.out[1]);
	g_assert_cmphex(rd(&f, VPLIC_PENDING), ==, 1U << 10);
	/* Claim: the output drops, the source is in service. */
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 10);
	g_assert_false(f.out[0]);
	g_assert_cmphex(rd(&f, VPLIC_PENDING), ==, 0);
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 0);
	/* A level source still high after completion is pending again. */
	wr(&f, CLAIM(S_CTX(0)), 10);
	g_assert_true(f.out[0]);
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 10);
	vplic_set_line(&f.p, 10, false);
	wr(&f, CLAIM(S_CTX(0)), 10);
	g_assert_false(f.out[0]);
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 0);
	/* A line that drops before the claim leaves nothing to claim. */
	vplic_set_line(&f.p, 10, true);
	g_assert_true(f.out[0]);
	vplic_set_line(&f.p, 10, false);
	g_assert_false(f.out[0]);
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 0);
}

static void test_priority_threshold(void)
{
	struct fake f;

	setup(&f, 1);
	wr(&f, PRIO(3), 2);
	wr(&f, PRIO(40), 5);
	wr(&f, PRIO(41), 5);
	wr(&f, ENABLE(S_CTX(0), 3), 1U << 3);
	wr(&f, ENABLE(S_CTX(0), 40), (1U << 8) | (1U << 9));
	vplic_set_line(&f.p, 3, true);
	vplic_set_line(&f.p, 41, true);
	vplic_set_line(&f.p, 40, true);
	/* Highest priority first, the lower id on a tie. */
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 40);
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 41);
	/* Priority must exceed the threshold. */
	wr(&f, THRESH(S_CTX(0)), 2);
	g_assert_cmpuint(rd(&f, THRESH(S_CTX(0))), ==, 2);
	g_assert_false(f.out[0]);
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 0);
	wr(&f, THRESH(S_CTX(0)), 1);
	g_assert_true(f.out[0]);
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(0))), ==, 3);
	/* Priority 0 never interrupts; values above the maximum are clamped. */
	wr(&f, PRIO(3), 0);
	wr(&f, CLAIM(S_CTX(0)), 3);
	g_assert_false(f.out[0]);
	wr(&f, PRIO(3), 1000);
	g_assert_cmpuint(rd(&f, PRIO(3)), ==, VPLIC_MAX_PRIO);
}

static void test_contexts(void)
{
	struct fake f;

	setup(&f, 2);
	wr(&f, PRIO(5), 1);
	/* M contexts have no output a guest sees. */
	wr(&f, ENABLE(0, 5), 1U << 5);
	vplic_set_line(&f.p, 5, true);
	g_assert_cmpuint(f.nr_calls, ==, 0);
	/* Hart 1's S context is context 3. */
	wr(&f, ENABLE(S_CTX(1), 5), 1U << 5);
	g_assert_true(f.out[1]);
	g_assert_false(f.out[0]);
	/* Completing a source the context does not enable is ignored. */
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(1))), ==, 5);
	wr(&f, CLAIM(S_CTX(0)), 5);
	g_assert_false(f.out[1]);
	wr(&f, CLAIM(S_CTX(1)), 5);
	g_assert_true(f.out[1]);
	/* Contexts beyond the harts read 0 and ignore writes. */
	wr(&f, ENABLE(S_CTX(2), 5), 1U << 5);
	g_assert_cmpuint(rd(&f, ENABLE(S_CTX(2), 5)), ==, 0);
	g_assert_cmpuint(rd(&f, CLAIM(S_CTX(2))), ==, 0);
	/* Reset lowers the outputs. */
	vplic_reset(&f.p);
	g_assert_false(f.out[1]);
	g_assert_cmpuint(rd(&f, PRIO(5)), ==, 0);
}

static void test_bad_accesses(void)
{
	struct fake f;
	uint64_t v;

	setup(&f, 1);
	g_assert_cmpint(vplic_read(&f.p, PRIO(1), 8, &v), ==, -EINVAL);
	g_assert_cmpint(vplic_read(&f.p, PRIO(1) + 1, 4, &v), ==, -EINVAL);
	g_assert_cmpint(vplic_write(&f.p, PRIO(1), 1, 1), ==, -EINVAL);
	/* Source 0 does not exist: no priority, no enable bit. */
	wr(&f, PRIO(0), 7);
	g_assert_cmpuint(rd(&f, PRIO(0)), ==, 0);
	wr(&f, ENABLE(S_CTX(0), 0), 0xffffffff);
	g_assert_cmphex(rd(&f, ENABLE(S_CTX(0), 0)), ==, 0xfffffffe);
	/* Pending bits are read-only; lines outside the sources are ignored. */
	wr(&f, VPLIC_PENDING, 0xffffffff);
	g_assert_cmphex(rd(&f, VPLIC_PENDING), ==, 0);
	vplic_set_line(&f.p, 0, true);
	vplic_set_line(&f.p, VPLIC_NR_SOURCES, true);
	g_assert_cmphex(rd(&f, VPLIC_PENDING), ==, 0);
	g_assert_cmpuint(f.nr_calls, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vplic/claim-complete", test_claim_complete);
	g_test_add_func("/vplic/priority-threshold", test_priority_threshold);
	g_test_add_func("/vplic/contexts", test_contexts);
	g_test_add_func("/vplic/bad-accesses", test_bad_accesses);
	return g_test_run();
}
