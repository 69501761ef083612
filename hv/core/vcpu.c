/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/bridge.h>
#include <hv/ioreq.h>
#include <hv/log.h>
#include <hv/pcpu.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

void vcpu_init(struct vcpu *v, struct vm *vm, unsigned id, cpuid_t pcpu)
{
	v->vm = vm;
	v->id = id;
	v->pcpu = pcpu;
	v->state = VCPU_OFFLINE;
	v->requests = 0;
	v->se = (struct sched_entity){ .owner = v };
}

void vcpu_request(struct vcpu *v, uint64_t req)
{
	__atomic_or_fetch(&v->requests, req, __ATOMIC_SEQ_CST);
	vcpu_kick(v);
}

/*
 * A vCPU became runnable: its pCPU must pick again, whether it idles or runs
 * another vCPU (which then may have to share the pCPU under a slice timer).
 */
static void resched(struct vcpu *v)
{
	struct pcpu *p = pcpu_get(v->pcpu);

	p->need_resched = true;
	if (p != this_pcpu())
		pcpu_arch_send_ipi(v->pcpu, IPI_KICK);
}

void vcpu_set_state(struct vcpu *v, enum vcpu_state state)
{
	struct sched_rq *rq = &pcpu_get(v->pcpu)->rq;

	spin_lock(&rq->lock);
	v->state = state;
	if (state == VCPU_RUNNING)
		sched_wake(rq, &v->se);
	else
		sched_block(rq, &v->se);
	spin_unlock(&rq->lock);
	if (state == VCPU_RUNNING)
		resched(v);
}

void vcpu_kick(struct vcpu *v)
{
	struct pcpu *p = pcpu_get(v->pcpu);
	bool woke = false;

	spin_lock(&p->rq.lock);
	/* A stop ends HLT early: a pause must know to halt again at resume. */
	if (v->state == VCPU_HALTED && (v->requests & VCPU_REQ_STOP))
		v->halt_cut = true;
	/* A vCPU waiting for its ioreq wakes only to stop: the answer may never come. */
	if (v->state == VCPU_HALTED ||
	    (v->state == VCPU_WAIT_IO && (v->requests & VCPU_REQ_STOP))) {
		v->state = VCPU_RUNNING;
		sched_wake(&p->rq, &v->se);
		woke = true;
	}
	spin_unlock(&p->rq.lock);
	if (woke)
		resched(v);
	else if (p != this_pcpu() && v->in_guest)
		pcpu_arch_send_ipi(v->pcpu, IPI_KICK); /* leave guest mode to take the event */
}

void vcpu_halt(struct vcpu *v)
{
	struct sched_rq *rq = &pcpu_get(v->pcpu)->rq;

	spin_lock(&rq->lock);
	/* Checked under the lock that vcpu_kick takes, so no wake-up is lost. */
	if (!vcpu_arch_has_pending_irq(v)) {
		if (v->requests & VCPU_REQ_STOP) {
			v->halt_cut = true;
		} else {
			v->state = VCPU_HALTED;
			sched_block(rq, &v->se);
		}
	}
	spin_unlock(&rq->lock);
}

void vcpu_wait_io(struct vcpu *v)
{
	struct sched_rq *rq = &pcpu_get(v->pcpu)->rq;

	spin_lock(&rq->lock);
	/* The answer may have come already (while paused): vcpu_wake_io needs the lock to see us. */
	if (!(v->requests & VCPU_REQ_STOP) && !v->ioreq.done) {
		v->state = VCPU_WAIT_IO;
		sched_block(rq, &v->se);
	}
	spin_unlock(&rq->lock);
}

bool vcpu_wake_io(struct vcpu *v)
{
	struct sched_rq *rq = &pcpu_get(v->pcpu)->rq;
	bool woke = false;

	spin_lock(&rq->lock);
	if (v->state == VCPU_WAIT_IO) {
		v->state = VCPU_RUNNING;
		sched_wake(rq, &v->se);
		woke = true;
	}
	spin_unlock(&rq->lock);
	if (woke)
		resched(v);
	return woke;
}

/*
 * Offline on its own pCPU. A pause keeps everything the vCPU goes back to:
 * its outstanding ioreq (answered or not), whether it was halted, its arch
 * state; any other stop drops an abandoned ioreq (the slot is reset with
 * the VM).
 */
static void vcpu_stopped(struct vcpu *v)
{
	bool pause = v->vm->stop_mode == VM_STOP_PAUSE;
	uint64_t req = __atomic_fetch_and(&v->requests, ~(VCPU_REQ_STOP | VCPU_REQ_RESUME),
	                                  __ATOMIC_SEQ_CST);

	vcpu_set_state(v, VCPU_OFFLINE);
	/*
	 * Paused again before it took its resume: it has not run since the last
	 * stop, which already saved its state and knew whether it was halted.
	 */
	if (!(req & VCPU_REQ_RESUME)) {
		v->resume_halted = pause && v->halt_cut;
		vcpu_arch_stopped(v);
	}
	v->halt_cut = false;
	v->paused = pause;
	if (!pause) {
		v->ioreq.pending = false;
		v->ioreq.done = false;
	}
	vm_vcpu_stopped(v);
}

/*
 * Back from a pause, on its own pCPU: the per-pCPU state first, then the
 * wait it was in. HLT waits again unless an interrupt came meanwhile; an
 * ioreq answered during the pause finishes at the next entry, one not yet
 * answered is waited for (never sent again).
 */
static void vcpu_resumed(struct vcpu *v)
{
	__atomic_and_fetch(&v->requests, ~VCPU_REQ_RESUME, __ATOMIC_SEQ_CST);
	vcpu_arch_resume(v);
	if (v->resume_halted) {
		v->resume_halted = false;
		vcpu_halt(v);
	} else if (v->ioreq.pending && !ioreq_polling(v->vm)) {
		vcpu_wait_io(v);
	}
}

void vcpu_stop_local(struct vcpu *v)
{
	if (v->state != VCPU_OFFLINE)
		vcpu_stopped(v);
}

__hot void vcpu_run(struct vcpu *v)
{
	struct pcpu *p = this_pcpu();

	while (v->state == VCPU_RUNNING && !p->need_resched) {
		/* One test for both: they are rare, and this runs before every entry. */
		if (unlikely(v->requests & (VCPU_REQ_STOP | VCPU_REQ_RESUME))) {
			if (v->requests & VCPU_REQ_STOP) {
				vcpu_stopped(v);
				return;
			}
			vcpu_resumed(v);
			continue;
		}
		vcpu_arch_run_once(v);
	}
}

static void slice_expired(struct timer *t)
{
	(void)t;
	this_pcpu()->need_resched = true;
}

void pcpu_run_loop(void)
{
	struct pcpu *p = this_pcpu();
	struct timer slice;

	timer_init(&slice, slice_expired);
	for (;;) {
		struct sched_entity *se;
		unsigned runnable;
		uint64_t now;

		if (p->deferred)
			bridge_run_deferred(p);
		now = timer_now();
		spin_lock(&p->rq.lock);
		/* Cleared before picking: a wake-up after the pick sets it again. */
		p->need_resched = false;
		se = sched_pick_next(&p->rq, now);
		runnable = sched_nr_runnable(&p->rq);
		spin_unlock(&p->rq.lock);
		if (!se) {
			timer_cancel(&slice);
			pcpu_arch_idle();
			continue;
		}
		/* Tickless: a slice timer only while someone else waits for this pCPU. */
		if (runnable > 1) {
			if (!slice.deadline)
				timer_arm(&slice, now + us_to_ticks(SCHED_SLICE_US));
		} else {
			timer_cancel(&slice);
		}
		vcpu_run(se->owner);
	}
}
