/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/pcpu.h>
#include <hv/timer.h>

uint64_t tsc_khz;

void timer_queue_insert(struct timer_queue *q, struct timer *t)
{
	struct timer **pp = &q->head;

	while (*pp && (*pp)->deadline <= t->deadline)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
}

bool timer_queue_remove(struct timer_queue *q, struct timer *t)
{
	for (struct timer **pp = &q->head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			t->next = NULL;
			return true;
		}
	}
	return false;
}

struct timer *timer_queue_pop_expired(struct timer_queue *q, uint64_t now)
{
	struct timer *t = q->head;

	if (!t || t->deadline > now)
		return NULL;
	q->head = t->next;
	t->next = NULL;
	return t;
}

void timer_init(struct timer *t, timer_fn fn)
{
	*t = (struct timer){ .fn = fn };
}

static void reprogram(struct timer_queue *q)
{
	timer_arch_program(q->head ? q->head->deadline : 0);
}

void timer_arm(struct timer *t, uint64_t deadline)
{
	struct pcpu *p = this_pcpu();

	if (t->deadline)
		timer_queue_remove(&pcpu_get(t->cpu)->timers, t);
	t->deadline = deadline ? deadline : 1;
	t->cpu = p->id;
	timer_queue_insert(&p->timers, t);
	if (p->timers.head == t)
		reprogram(&p->timers);
}

void timer_cancel(struct timer *t)
{
	struct pcpu *p;

	if (!t->deadline)
		return;
	p = pcpu_get(t->cpu);
	timer_queue_remove(&p->timers, t);
	t->deadline = 0;
	if (p == this_pcpu())
		reprogram(&p->timers);
}

void timer_softirq(void)
{
	struct pcpu *p = this_pcpu();
	struct timer *t;

	while ((t = timer_queue_pop_expired(&p->timers, timer_now()))) {
		t->deadline = 0;
		t->fn(t);
	}
	reprogram(&p->timers);
}
