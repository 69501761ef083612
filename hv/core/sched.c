/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/errno.h>
#include <hv/sched.h>

void sched_rq_init(struct sched_rq *rq)
{
	*rq = (struct sched_rq){ .lock = SPINLOCK_INIT };
}

int sched_attach(struct sched_rq *rq, struct sched_entity *se)
{
	if (rq->nr >= SCHED_MAX_PER_PCPU)
		return -ENOSPC;
	se->attached = true;
	se->runtime = 0;
	for (unsigned i = 0; i < rq->nr; i++) {
		/* Join at the current minimum so a newcomer neither starves nor hogs. */
		if (i == 0 || rq->entities[i]->runtime < se->runtime)
			se->runtime = rq->entities[i]->runtime;
	}
	rq->entities[rq->nr++] = se;
	return 0;
}

void sched_detach(struct sched_rq *rq, struct sched_entity *se)
{
	for (unsigned i = 0; i < rq->nr; i++) {
		if (rq->entities[i] != se)
			continue;
		rq->entities[i] = rq->entities[--rq->nr];
		rq->entities[rq->nr] = NULL;
		break;
	}
	if (rq->curr == se)
		rq->curr = NULL;
	se->attached = false;
	se->runnable = false;
}

static uint64_t min_runnable_runtime(const struct sched_rq *rq, const struct sched_entity *skip)
{
	uint64_t min = UINT64_MAX;

	for (unsigned i = 0; i < rq->nr; i++) {
		const struct sched_entity *e = rq->entities[i];

		if (e != skip && e->runnable && e->runtime < min)
			min = e->runtime;
	}
	return min;
}

void sched_wake(struct sched_rq *rq, struct sched_entity *se)
{
	uint64_t min;

	if (se->runnable)
		return;
	/*
	 * An entity that slept must not bank the time it slept and then
	 * monopolize the pCPU: bring it up to the current minimum.
	 */
	min = min_runnable_runtime(rq, se);
	if (min != UINT64_MAX && se->runtime < min)
		se->runtime = min;
	se->runnable = true;
}

void sched_block(struct sched_rq *rq, struct sched_entity *se)
{
	(void)rq;
	se->runnable = false;
}

struct sched_entity *sched_pick_next(struct sched_rq *rq, uint64_t now)
{
	struct sched_entity *best = NULL;

	if (rq->curr) {
		if (now > rq->curr->started_at)
			rq->curr->runtime += now - rq->curr->started_at;
		rq->curr->started_at = now;
	}
	for (unsigned i = 0; i < rq->nr; i++) {
		struct sched_entity *e = rq->entities[i];

		if (!e->runnable)
			continue;
		/* Ties keep the current entity: fewer switches. */
		if (!best || e->runtime < best->runtime ||
		    (e->runtime == best->runtime && e == rq->curr))
			best = e;
	}
	if (best)
		best->started_at = now;
	rq->curr = best;
	return best;
}

unsigned sched_nr_runnable(const struct sched_rq *rq)
{
	unsigned n = 0;

	for (unsigned i = 0; i < rq->nr; i++)
		n += rq->entities[i]->runnable;
	return n;
}
