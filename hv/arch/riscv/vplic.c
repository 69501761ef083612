/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual PLIC (see arch/vplic.h). Each source's gateway forwards a high
 * line as one pending request; a claim hands out the pending, enabled source
 * of highest priority (lowest id on ties) above the context's threshold and
 * holds further requests of that source until its completion, after which
 * a line still high is pending again. Pure: also built on the host for
 * unit tests.
 */
#include <arch/vplic.h>
#include <hv/errno.h>
#include <hv/lib.h>

#define BITMAP_TEST(m, n) (((m)[(n) / 32] >> ((n) % 32)) & 1)
#define BITMAP_SET(m, n)  ((m)[(n) / 32] |= 1U << ((n) % 32))
#define BITMAP_CLR(m, n)  ((m)[(n) / 32] &= ~(1U << ((n) % 32)))

static unsigned nr_contexts(const struct vplic *p)
{
	return 2 * p->nr_harts;
}

/* The source a claim on ctx would return, 0 if none. */
static unsigned best_source(const struct vplic *p, unsigned ctx)
{
	unsigned best = 0;
	uint32_t best_prio = p->threshold[ctx];

	for (unsigned s = 1; s < VPLIC_NR_SOURCES; s++) {
		if (!BITMAP_TEST(p->pending, s) || !BITMAP_TEST(p->enable[ctx], s))
			continue;
		if (p->priority[s] > best_prio) {
			best = s;
			best_prio = p->priority[s];
		}
	}
	return best;
}

/* Recompute each context's output; report changes of S contexts (the guest's). */
static void update(struct vplic *p)
{
	for (unsigned ctx = 0; ctx < nr_contexts(p); ctx++) {
		bool out = best_source(p, ctx) != 0;

		if (out == p->out[ctx])
			continue;
		p->out[ctx] = out;
		if (ctx & 1)
			p->notify(p->owner, ctx / 2, out);
	}
}

void vplic_init(struct vplic *p, unsigned nr_harts,
                void (*notify)(void *owner, unsigned hart, bool level), void *owner)
{
	memset(p, 0, sizeof(*p));
	p->notify = notify;
	p->owner = owner;
	p->nr_harts = MIN(nr_harts, VPLIC_MAX_HARTS);
}

void vplic_reset(struct vplic *p)
{
	for (unsigned ctx = 0; ctx < nr_contexts(p); ctx++) {
		if ((ctx & 1) && p->out[ctx])
			p->notify(p->owner, ctx / 2, false);
	}
	vplic_init(p, p->nr_harts, p->notify, p->owner);
}

void vplic_set_line(struct vplic *p, unsigned source, bool level)
{
	if (source == 0 || source >= VPLIC_NR_SOURCES)
		return;
	if (level) {
		BITMAP_SET(p->level, source);
		if (!BITMAP_TEST(p->claimed, source))
			BITMAP_SET(p->pending, source);
	} else {
		/* A level source that dropped before its claim has nothing to report. */
		BITMAP_CLR(p->level, source);
		BITMAP_CLR(p->pending, source);
	}
	update(p);
}

static unsigned claim(struct vplic *p, unsigned ctx)
{
	unsigned s = best_source(p, ctx);

	if (s) {
		BITMAP_CLR(p->pending, s);
		BITMAP_SET(p->claimed, s);
		update(p);
	}
	return s;
}

static void complete(struct vplic *p, unsigned ctx, uint32_t s)
{
	/* Completing a source the context does not enable is ignored (PLIC spec). */
	if (s == 0 || s >= VPLIC_NR_SOURCES || !BITMAP_TEST(p->enable[ctx], s) ||
	    !BITMAP_TEST(p->claimed, s))
		return;
	BITMAP_CLR(p->claimed, s);
	if (BITMAP_TEST(p->level, s))
		BITMAP_SET(p->pending, s);
	update(p);
}

__hot int vplic_read(struct vplic *p, uint64_t off, unsigned width, uint64_t *val)
{
	if (width != 4 || (off & 3))
		return -EINVAL;
	*val = 0;
	if (off < VPLIC_PENDING) {
		if (off / 4 < VPLIC_NR_SOURCES)
			*val = p->priority[off / 4];
		return 0;
	}
	if (off < VPLIC_ENABLE) {
		if ((off - VPLIC_PENDING) / 4 < VPLIC_WORDS)
			*val = p->pending[(off - VPLIC_PENDING) / 4];
		return 0;
	}
	if (off < VPLIC_CONTEXT) {
		unsigned ctx = (unsigned)((off - VPLIC_ENABLE) / 0x80);
		unsigned w = (unsigned)((off - VPLIC_ENABLE) % 0x80) / 4;

		if (ctx < nr_contexts(p) && w < VPLIC_WORDS)
			*val = p->enable[ctx][w];
		return 0;
	} else {
		unsigned ctx = (unsigned)((off - VPLIC_CONTEXT) / 0x1000);
		unsigned reg = (unsigned)((off - VPLIC_CONTEXT) % 0x1000);

		if (ctx >= nr_contexts(p))
			return 0;
		if (reg == 0)
			*val = p->threshold[ctx];
		else if (reg == 4)
			*val = claim(p, ctx);
		return 0;
	}
}

__hot int vplic_write(struct vplic *p, uint64_t off, unsigned width, uint64_t val)
{
	uint32_t v = (uint32_t)val;

	if (width != 4 || (off & 3))
		return -EINVAL;
	if (off < VPLIC_PENDING) {
		unsigned s = (unsigned)(off / 4);

		if (s > 0 && s < VPLIC_NR_SOURCES)
			p->priority[s] = MIN(v, (uint32_t)VPLIC_MAX_PRIO);
	} else if (off < VPLIC_ENABLE) {
		/* Pending bits are read-only. */
	} else if (off < VPLIC_CONTEXT) {
		unsigned ctx = (unsigned)((off - VPLIC_ENABLE) / 0x80);
		unsigned w = (unsigned)((off - VPLIC_ENABLE) % 0x80) / 4;

		if (ctx < nr_contexts(p) && w < VPLIC_WORDS)
			p->enable[ctx][w] = w == 0 ? v & ~1U : v; /* source 0 does not exist */
	} else {
		unsigned ctx = (unsigned)((off - VPLIC_CONTEXT) / 0x1000);
		unsigned reg = (unsigned)((off - VPLIC_CONTEXT) % 0x1000);

		if (ctx >= nr_contexts(p))
			return 0;
		if (reg == 0)
			p->threshold[ctx] = MIN(v, (uint32_t)VPLIC_MAX_PRIO);
		else if (reg == 4)
			complete(p, ctx, v);
		else
			return 0;
	}
	update(p);
	return 0;
}
