/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The post-launched VM lifecycle in core (hv/core/vm.c, vcpu.c, sched.c,
 * ioreq.c, vm_mem.c, built hosted) on two fake pCPUs: creation in a slot,
 * start, PAUSE_VM's stop of a vCPU on the caller's own pCPU (which can
 * never stop itself there) and of one on another pCPU, per-pCPU cleanup on
 * the right pCPU, a stop waking a vCPU that waits for its ioreq, a guest's
 * own power-off telling the Service VM, reset, and destroy zeroing the
 * guest's memory.
 */
#include <acrn/sbuf.h>
#include <arch/npt.h>
#include <glib.h>
#include <hv/bridge.h>
#include <hv/errno.h>
#include <hv/ioreq.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/vm.h>
#include <stdlib.h>
#include <string.h>

struct pcpu pcpus[MAX_PCPUS];
unsigned nr_pcpus = 2;
struct scenario hv_scenario;
struct page_pool hv_pages;
uint64_t tsc_khz = 1000000;

static unsigned cur_cpu;         /* the pCPU "we" run on */
static void (*relax_hook)(void); /* runs once, at PAUSE_VM's first wait */
static unsigned nr_ipis, nr_upcalls, nr_resets, nr_relax;
static unsigned stopped_on[SCENARIO_MAX_VCPUS]; /* pCPU + 1 where vcpu_arch_stopped ran */
static unsigned nr_stopped[SCENARIO_MAX_VCPUS], nr_resumed[SCENARIO_MAX_VCPUS];
static unsigned nr_entries[SCENARIO_MAX_VCPUS], nr_finished[SCENARIO_MAX_VCPUS];
static uint64_t finished_value[SCENARIO_MAX_VCPUS];
static bool irq_pending[SCENARIO_MAX_VCPUS];

/* ---- platform fakes ---- */

struct pcpu *pcpu_arch_this(void)
{
	return &pcpus[cur_cpu];
}

void pcpu_arch_send_ipi(cpuid_t target, enum ipi_kind kind)
{
	(void)target;
	(void)kind;
	nr_ipis++;
}

/* No board bridge here: nothing is ever deferred to the run loop. */
void bridge_run_deferred(struct pcpu *p)
{
	(void)p;
}

void pcpu_arch_idle(void)
{
}

void pcpu_arch_board_off(int code)
{
	(void)code;
	g_assert_not_reached();
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

void console_write(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

void timer_init(struct timer *t, timer_fn fn)
{
	*t = (struct timer){ .fn = fn };
}

void timer_arm(struct timer *t, uint64_t deadline)
{
	t->deadline = deadline;
}

void timer_cancel(struct timer *t)
{
	t->deadline = 0;
}

uint64_t timer_arch_now(void)
{
	return 0;
}

paddr_t page_pool_alloc(struct page_pool *pool, uint64_t nr_pages, uint64_t align_pages)
{
	(void)pool;
	(void)nr_pages;
	(void)align_pages;
	return 0;
}

void page_pool_free(struct page_pool *pool, paddr_t pa, uint64_t nr_pages)
{
	(void)pool;
	(void)pa;
	(void)nr_pages;
}

paddr_t pgtable_pool_alloc(void *ctx, size_t size)
{
	void *p = aligned_alloc(4096, size);

	(void)ctx;
	memset(p, 0, size);
	return (paddr_t)(uintptr_t)p;
}

void pgtable_pool_free(void *ctx, paddr_t pa, size_t size)
{
	(void)ctx;
	(void)size;
	free((void *)(uintptr_t)pa);
}

void vuart_init(struct vuart *u, const struct vuart_ops *ops, void *owner)
{
	(void)u;
	(void)ops;
	(void)owner;
}

uint8_t vuart_read(struct vuart *u, unsigned offset)
{
	(void)u;
	(void)offset;
	return 0;
}

void vuart_write(struct vuart *u, unsigned offset, uint8_t val)
{
	(void)u;
	(void)offset;
	(void)val;
}

const struct pgtable_fmt *vm_arch_stage2_fmt(void)
{
	return &x86_npt_fmt;
}

int vm_arch_init(struct vm *vm)
{
	(void)vm;
	return 0;
}

int vm_arch_load(struct vm *vm)
{
	(void)vm;
	g_assert_not_reached(); /* a post-launched VM's payload is its device model's */
	return 0;
}

void vm_arch_set_irq_line(struct vm *vm, unsigned line, bool level)
{
	(void)vm;
	(void)line;
	(void)level;
}

struct io_bus *vm_arch_uart_bus(struct vm *vm, uint64_t *base)
{
	(void)vm;
	(void)base;
	return NULL;
}

void vm_arch_reset_devices(struct vm *vm)
{
	(void)vm;
	nr_resets++;
}

void vm_arch_upcall(struct vm *service)
{
	(void)service;
	g_assert_not_reached(); /* the test's Service VM has its own hook */
}

static void fake_upcall(struct vm *service)
{
	(void)service;
	nr_upcalls++;
}

int vcpu_arch_init(struct vcpu *v)
{
	(void)v;
	return 0;
}

void vcpu_arch_reset(struct vcpu *v)
{
	v->state = VCPU_OFFLINE;
}

/* One guest entry per run: finish an answered ioreq first, as the x86 layer does. */
void vcpu_arch_run_once(struct vcpu *v)
{
	uint64_t value;

	g_assert_cmpuint(cur_cpu, ==, v->pcpu);
	nr_entries[v->id]++;
	if (v->ioreq.pending && ioreq_ready(v)) {
		g_assert_cmpint(ioreq_finish(v, &value), ==, 0);
		nr_finished[v->id]++;
		finished_value[v->id] = value;
	}
	this_pcpu()->need_resched = true;
}

bool vcpu_arch_has_pending_irq(struct vcpu *v)
{
	return irq_pending[v->id];
}

/* Per-pCPU state (timers, FPU) may only be dropped on the vCPU's own pCPU. */
void vcpu_arch_stopped(struct vcpu *v)
{
	g_assert_cmpuint(cur_cpu, ==, v->pcpu);
	stopped_on[v->id] = cur_cpu + 1;
	nr_stopped[v->id]++;
}

/* ... and restored there, once per resume it actually took. */
void vcpu_arch_resume(struct vcpu *v)
{
	g_assert_cmpuint(cur_cpu, ==, v->pcpu);
	nr_resumed[v->id]++;
}

/*
 * The other pCPU, while PAUSE_VM waits: it runs the vCPUs of its run
 * queue that have a stop request, as its own loop would. A vCPU left on
 * the caller's pCPU is never run here, so a pause that forgot to stop it
 * would spin forever; the cap turns that into a failure.
 */
void cpu_relax(void)
{
	unsigned me = cur_cpu;

	g_assert_cmpuint(++nr_relax, <, 1000);
	if (relax_hook) {
		void (*hook)(void) = relax_hook;

		relax_hook = NULL;
		hook();
	}
	for (unsigned c = 0; c < nr_pcpus; c++) {
		struct sched_rq *rq = &pcpus[c].rq;

		if (c == me)
			continue;
		for (unsigned i = 0; i < rq->nr; i++) {
			struct vcpu *v = rq->entities[i]->owner;

			if (!(v->requests & VCPU_REQ_STOP) || v->state != VCPU_RUNNING)
				continue;
			cur_cpu = c;
			pcpus[c].need_resched = false;
			vcpu_run(v);
			cur_cpu = me;
		}
	}
}

/* ---- the VMs ---- */

#define SOS_RAM 0x40000

static struct scenario_vm cfgs[2];
static uint8_t *sos_ram;

static struct vm *sos = &vms[0], *child = &vms[1];

static void setup(void)
{
	memset(pcpus, 0, sizeof(pcpus));
	for (unsigned c = 0; c < nr_pcpus; c++) {
		pcpus[c].self = &pcpus[c];
		pcpus[c].id = (cpuid_t)c;
		sched_rq_init(&pcpus[c].rq);
	}
	cur_cpu = 0;
	nr_ipis = nr_upcalls = nr_resets = nr_relax = 0;
	memset(stopped_on, 0, sizeof(stopped_on));
	memset(nr_stopped, 0, sizeof(nr_stopped));
	memset(nr_resumed, 0, sizeof(nr_resumed));
	memset(nr_entries, 0, sizeof(nr_entries));
	memset(nr_finished, 0, sizeof(nr_finished));
	memset(irq_pending, 0, sizeof(irq_pending));
	if (!sos_ram)
		sos_ram = aligned_alloc(4096, SOS_RAM);
	memset(sos_ram, 0xAA, SOS_RAM);
	cfgs[0] = (struct scenario_vm){ .name = "sos",
		                        .load_order = LOAD_SERVICE,
		                        .cpu_affinity = 1,
		                        .nr_vcpus = 1,
		                        .memory_size = SOS_RAM };
	cfgs[1] = (struct scenario_vm){ .name = "child",
		                        .load_order = LOAD_POST_LAUNCHED,
		                        .cpu_affinity = 3,
		                        .nr_vcpus = 2,
		                        .memory_size = 0x10000 };
	hv_scenario = (struct scenario){ .nr_vms = 2 };
	nr_vms = 2;
	vm_slot_init(sos, 0, &cfgs[0]);
	vm_slot_init(child, 1, &cfgs[1]);
	/* The Service VM as far as the child needs it: RAM at a host pointer, running. */
	sos->created = true;
	sos->state = VM_RUNNING;
	sos->ram_hpa = (paddr_t)(uintptr_t)sos_ram;
	sos->ram_size = SOS_RAM;
	sos->upcall = fake_upcall;
}

/* A child on pCPUs 0 and 1 with 8 KiB of Service VM RAM at GPA 0 and an ioreq page. */
static void create_and_start(void)
{
	g_assert_cmpint(vm_create_post(child, sos, 3, 0), ==, 0);
	g_assert_true(child->created);
	g_assert_cmpuint(child->nr_vcpus, ==, 2);
	g_assert_cmpuint(child->vcpus[0].pcpu, ==, 0);
	g_assert_cmpuint(child->vcpus[1].pcpu, ==, 1);
	g_assert_cmpint(vm_ram_add(child, 0, (paddr_t)(uintptr_t)sos_ram, 0x2000, PGT_RWX), ==, 0);
	child->ioreq_page = (void *)(sos_ram + 0x10000);
	memset(sos_ram + 0x2000, 0x77, 0x1000); /* not the child's */
	g_assert_cmpint(vm_start(child), ==, 0);
	g_assert_cmpint(child->state, ==, VM_RUNNING);
	g_assert_cmpint(child->vcpus[0].state, ==, VCPU_RUNNING);
	/* Its RAM is the device model's to fill: start does not touch it. */
	g_assert_cmphex(sos_ram[0], ==, 0xAA);
	g_assert_cmpuint(child->ioreq_page->req_slot[1].processed, ==, ACRN_IOREQ_STATE_FREE);
	/* The AP came up by INIT/SIPI. */
	g_assert_cmpint(vm_vcpu_online(&child->vcpus[1]), ==, 0);
	g_assert_cmpuint(child->vcpus_online, ==, 2);
}

static void test_pause_local_and_remote(void)
{
	struct vcpu *local = &child->vcpus[0], *remote = &child->vcpus[1];

	setup();
	create_and_start();
	/* The local vCPU waits for the Service VM, which is us, on the same pCPU. */
	g_assert_cmpint(ioreq_send(local, ACRN_IOREQ_TYPE_PORTIO, false, 0x60, 1, 0), ==, 0);
	g_assert_cmpint(local->state, ==, VCPU_WAIT_IO);
	g_assert_cmpuint(nr_upcalls, ==, 1);
	/* An interrupt does not end that wait. */
	vcpu_kick(local);
	g_assert_cmpint(local->state, ==, VCPU_WAIT_IO);

	g_assert_cmpint(vm_pause(child), ==, 0);
	g_assert_cmpint(child->state, ==, VM_PAUSED);
	g_assert_cmpuint(child->vcpus_online, ==, 0);
	g_assert_cmpint(local->state, ==, VCPU_OFFLINE);
	g_assert_cmpint(remote->state, ==, VCPU_OFFLINE);
	/* Kept for a resume; the reset below drops it. */
	g_assert_true(local->ioreq.pending);
	g_assert_cmpuint(local->requests & VCPU_REQ_STOP, ==, 0);
	/* Each cleaned up on its own pCPU; the remote one was asked by IPI. */
	g_assert_cmpuint(stopped_on[0], ==, 1);
	g_assert_cmpuint(stopped_on[1], ==, 2);
	g_assert_cmpuint(nr_ipis, >=, 1);
	g_assert_false(local->se.runnable);
	g_assert_false(remote->se.runnable);
	/* A paused VM does not pause again, nor is its stop reported as a power-off. */
	g_assert_cmpint(vm_pause(child), ==, -EBUSY);
	g_assert_cmpuint(nr_upcalls, ==, 1);

	/* Reset: devices and slots back to their reset state, vCPUs stay offline. */
	child->ioreq_page->req_slot[0].processed = ACRN_IOREQ_STATE_PROCESSING;
	g_assert_cmpint(vm_reset_post(child), ==, 0);
	g_assert_cmpint(child->state, ==, VM_CREATED);
	g_assert_false(local->ioreq.pending);
	g_assert_false(local->paused);
	g_assert_cmpuint(nr_resets, ==, 1);
	g_assert_cmpuint(child->ioreq_page->req_slot[0].processed, ==, ACRN_IOREQ_STATE_FREE);

	/* Destroy: the guest's pages are zeroed and unmapped, the slot is empty again. */
	vm_destroy(child);
	g_assert_false(child->created);
	g_assert_cmpint(child->state, ==, VM_POWERED_OFF);
	g_assert_cmphex(sos_ram[0], ==, 0);
	g_assert_cmphex(sos_ram[0x1fff], ==, 0);
	g_assert_cmphex(sos_ram[0x2000], ==, 0x77);
	g_assert_cmpuint(pcpus[0].rq.nr, ==, 0);
	g_assert_cmpuint(pcpus[1].rq.nr, ==, 0);
	g_assert_cmpuint(child->nr_ram, ==, 0);
}

/* The same pause from the other pCPU (the board bridge's or another Service vCPU's). */
static void test_pause_from_other_pcpu(void)
{
	setup();
	create_and_start();
	cur_cpu = 1;
	g_assert_cmpint(vm_pause(child), ==, 0);
	g_assert_cmpint(child->state, ==, VM_PAUSED);
	g_assert_cmpuint(stopped_on[0], ==, 1);
	g_assert_cmpuint(stopped_on[1], ==, 2);
	cur_cpu = 0;
	vm_destroy(child);
}

/* pCPU c's loop runs v once (it picked it). */
static void run_on(unsigned c, struct vcpu *v)
{
	unsigned me = cur_cpu;

	cur_cpu = c;
	pcpus[c].need_resched = false;
	vcpu_run(v);
	cur_cpu = me;
}

static void test_guest_poweroff(void)
{
	struct shared_buf *ring = (struct shared_buf *)(void *)(sos_ram + 0x11000);
	struct vm_event *ev = (struct vm_event *)(void *)(sos_ram + 0x11000 + 64);

	setup();
	create_and_start();
	/* A reset a post-launched guest asks for is its device model's decision: it stops. */
	vm_reset(child, "test");
	g_assert_cmpint(child->state, ==, VM_STOPPING);
	run_on(0, &child->vcpus[0]);
	g_assert_cmpint(child->state, ==, VM_STOPPING);
	g_assert_cmpuint(nr_upcalls, ==, 0);
	run_on(1, &child->vcpus[1]);
	g_assert_cmpint(child->state, ==, VM_POWERED_OFF);
	g_assert_cmpuint(nr_upcalls, ==, 1);
	g_assert_cmpuint(nr_resets, ==, 0);
	g_assert_cmpint(vm_pause(child), ==, -EBUSY);

	/* A triple fault also lands in the VM-event ring. */
	*ring = (struct shared_buf){
		.magic = ACRN_SBUF_MAGIC, .ele_num = 4, .ele_size = 32, .size = 128
	};
	g_assert_cmpint(ioreq_sbuf_setup(child, &child->event_sbuf, 0x11000, 32), ==, 0);
	g_assert_cmpint(vm_reset_post(child), ==, 0);
	g_assert_cmpint(vm_start(child), ==, 0);
	child->triple_faulted = true;
	vm_poweroff(child, "triple fault");
	run_on(0, &child->vcpus[0]);
	g_assert_cmpint(child->state, ==, VM_POWERED_OFF);
	g_assert_cmpuint(ring->tail, ==, 32);
	g_assert_cmpuint(ev[0].type, ==, ACRN_VM_EVENT_TRIPLE_FAULT);
	g_assert_cmpuint(nr_upcalls, ==, 2);
	vm_destroy(child);
}

/* The Service VM answers vCPU @id's read with @value and notifies. */
static int answer(unsigned id, uint64_t value)
{
	struct acrn_io_request *slot = &child->ioreq_page->req_slot[id];

	slot->reqs.pio_request.value = (uint32_t)value;
	slot->processed = ACRN_IOREQ_STATE_COMPLETE;
	return ioreq_notify_finish(child, id);
}

/*
 * Pause a vCPU waiting for its ioreq (on our pCPU) and one halted (on the
 * other); the answer comes while paused. Resume: the halted one halts
 * again, the other finishes its request once, nothing is sent again.
 */
static void test_resume_where_stopped(void)
{
	struct vcpu *io = &child->vcpus[0], *hlt = &child->vcpus[1];
	struct acrn_io_request *slot;

	setup();
	create_and_start();
	slot = &child->ioreq_page->req_slot[0];
	g_assert_cmpint(ioreq_send(io, ACRN_IOREQ_TYPE_PORTIO, false, 0x60, 1, 0), ==, 0);
	cur_cpu = 1;
	vcpu_halt(hlt);
	cur_cpu = 0;
	g_assert_cmpint(hlt->state, ==, VCPU_HALTED);
	g_assert_cmpint(vm_resume(child), ==, -EBUSY); /* not paused */

	g_assert_cmpint(vm_pause(child), ==, 0);
	g_assert_cmpint(child->state, ==, VM_PAUSED);
	g_assert_true(io->paused && hlt->paused);
	g_assert_true(io->ioreq.pending);
	g_assert_true(hlt->resume_halted);
	g_assert_cmpuint(slot->processed, ==, ACRN_IOREQ_STATE_PENDING);
	/* Answered during the pause: accepted once, the vCPU stays stopped. */
	g_assert_cmpint(answer(0, 0x5A), ==, 0);
	g_assert_cmpint(answer(0, 0x5A), ==, -EINVAL);
	g_assert_cmpint(io->state, ==, VCPU_OFFLINE);
	g_assert_cmpuint(child->vcpus_online, ==, 0);

	g_assert_cmpint(vm_resume(child), ==, 0);
	g_assert_cmpint(child->state, ==, VM_RUNNING);
	g_assert_cmpuint(child->vcpus_online, ==, 2);
	g_assert_cmpint(vm_resume(child), ==, -EBUSY);
	run_on(1, hlt);
	g_assert_cmpuint(nr_resumed[1], ==, 1);
	g_assert_cmpint(hlt->state, ==, VCPU_HALTED);
	g_assert_cmpuint(nr_entries[1], ==, 0);
	run_on(0, io);
	g_assert_cmpuint(nr_resumed[0], ==, 1);
	g_assert_cmpuint(nr_finished[0], ==, 1);
	g_assert_cmphex(finished_value[0], ==, 0x5A);
	g_assert_false(io->ioreq.pending);
	g_assert_cmpuint(slot->processed, ==, ACRN_IOREQ_STATE_FREE);
	g_assert_cmpuint(nr_upcalls, ==, 1); /* never sent again */
	/* The halted one wakes for an interrupt as before. */
	irq_pending[1] = true;
	vcpu_kick(hlt);
	g_assert_cmpint(hlt->state, ==, VCPU_RUNNING);
	g_assert_cmpint(vm_pause(child), ==, 0);
	vm_destroy(child);
}

/*
 * A remote vCPU waiting for an answer that has not come: the pause takes
 * it out of its wait; resume puts it back there, and the late answer
 * finishes it. A halted vCPU whose interrupt came while paused runs.
 */
static void test_resume_unanswered(void)
{
	struct vcpu *hlt = &child->vcpus[0], *io = &child->vcpus[1];
	struct acrn_io_request *slot;

	setup();
	create_and_start();
	slot = &child->ioreq_page->req_slot[1];
	cur_cpu = 1;
	g_assert_cmpint(ioreq_send(io, ACRN_IOREQ_TYPE_PORTIO, false, 0x61, 1, 0), ==, 0);
	cur_cpu = 0;
	vcpu_halt(hlt);
	g_assert_cmpint(io->state, ==, VCPU_WAIT_IO);
	g_assert_cmpint(vm_pause(child), ==, 0);
	g_assert_cmpuint(stopped_on[1], ==, 2);
	g_assert_true(io->ioreq.pending && !io->ioreq.done);
	irq_pending[0] = true; /* e.g. SET_IRQLINE while paused */
	g_assert_cmpint(vm_resume(child), ==, 0);
	run_on(1, io);
	g_assert_cmpint(io->state, ==, VCPU_WAIT_IO);
	g_assert_cmpuint(nr_entries[1], ==, 0);
	g_assert_cmpuint(slot->processed, ==, ACRN_IOREQ_STATE_PENDING);
	run_on(0, hlt);
	g_assert_cmpint(hlt->state, ==, VCPU_RUNNING);
	g_assert_cmpuint(nr_entries[0], ==, 1);
	g_assert_cmpint(answer(1, 0x77), ==, 0);
	g_assert_cmpint(io->state, ==, VCPU_RUNNING);
	run_on(1, io);
	g_assert_cmpuint(nr_finished[1], ==, 1);
	g_assert_cmphex(finished_value[1], ==, 0x77);
	g_assert_cmpuint(nr_upcalls, ==, 1);
	g_assert_cmpint(vm_pause(child), ==, 0);
	vm_destroy(child);
}

/*
 * Paused again before its vCPUs took the resume: they must come back the
 * second time as they were the first (halted stays halted), their state
 * saved once. Then pause, resume, pause, destroy.
 */
static void test_pause_before_resume_taken(void)
{
	struct vcpu *run = &child->vcpus[0], *hlt = &child->vcpus[1];

	setup();
	create_and_start();
	cur_cpu = 1;
	vcpu_halt(hlt);
	cur_cpu = 0;
	g_assert_cmpint(vm_pause(child), ==, 0);
	g_assert_cmpint(vm_resume(child), ==, 0);
	g_assert_cmpint(vm_pause(child), ==, 0);
	g_assert_cmpint(child->state, ==, VM_PAUSED);
	g_assert_cmpuint(nr_stopped[0], ==, 1);
	g_assert_cmpuint(nr_stopped[1], ==, 1);
	g_assert_cmpuint(nr_resumed[0] + nr_resumed[1], ==, 0);
	g_assert_true(hlt->resume_halted);
	g_assert_false(run->resume_halted);
	g_assert_cmpuint(run->requests, ==, 0);

	g_assert_cmpint(vm_resume(child), ==, 0);
	run_on(1, hlt);
	run_on(0, run);
	g_assert_cmpint(hlt->state, ==, VCPU_HALTED);
	g_assert_cmpint(run->state, ==, VCPU_RUNNING);
	g_assert_cmpuint(nr_entries[0], ==, 1);
	g_assert_cmpuint(nr_entries[1], ==, 0);
	g_assert_cmpint(vm_pause(child), ==, 0);
	g_assert_cmpuint(nr_stopped[1], ==, 2);
	g_assert_true(hlt->resume_halted);
	vm_destroy(child);
	g_assert_false(child->created);
	g_assert_cmpuint(pcpus[1].rq.nr, ==, 0);
}

/* An AP never started stays offline across pause and resume. */
static void test_resume_keeps_offline(void)
{
	setup();
	g_assert_cmpint(vm_create_post(child, sos, 3, 0), ==, 0);
	child->ioreq_page = (void *)(sos_ram + 0x10000);
	g_assert_cmpint(vm_start(child), ==, 0);
	g_assert_cmpint(vm_pause(child), ==, 0);
	g_assert_true(child->vcpus[0].paused);
	g_assert_false(child->vcpus[1].paused);
	g_assert_cmpint(vm_resume(child), ==, 0);
	g_assert_cmpuint(child->vcpus_online, ==, 1);
	g_assert_cmpint(child->vcpus[0].state, ==, VCPU_RUNNING);
	g_assert_cmpint(child->vcpus[1].state, ==, VCPU_OFFLINE);
	/* It can still be started afterwards. */
	g_assert_cmpint(vm_vcpu_online(&child->vcpus[1]), ==, 0);
	g_assert_cmpuint(child->vcpus_online, ==, 2);
	g_assert_cmpint(vm_pause(child), ==, 0);
	vm_destroy(child);
}

/* The remote vCPU triple-faults while the pause waits for it. */
static void triple_fault_now(void)
{
	unsigned me = cur_cpu;

	cur_cpu = 1;
	child->triple_faulted = true;
	vm_poweroff(child, "triple fault");
	cur_cpu = me;
}

/* A guest that stops itself during a pause ends powered off, and its Service VM hears it. */
static void test_poweroff_during_pause(void)
{
	setup();
	create_and_start();
	relax_hook = triple_fault_now;
	g_assert_cmpint(vm_pause(child), ==, 0);
	g_assert_null(relax_hook);
	g_assert_cmpint(child->state, ==, VM_POWERED_OFF);
	g_assert_cmpuint(child->vcpus_online, ==, 0);
	g_assert_cmpuint(nr_upcalls, ==, 1);
	g_assert_cmpint(vm_resume(child), ==, -EBUSY);
	vm_destroy(child);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vm-lifecycle/pause-local-and-remote", test_pause_local_and_remote);
	g_test_add_func("/vm-lifecycle/pause-from-other-pcpu", test_pause_from_other_pcpu);
	g_test_add_func("/vm-lifecycle/guest-poweroff", test_guest_poweroff);
	g_test_add_func("/vm-lifecycle/resume-where-stopped", test_resume_where_stopped);
	g_test_add_func("/vm-lifecycle/resume-unanswered", test_resume_unanswered);
	g_test_add_func("/vm-lifecycle/pause-before-resume-taken", test_pause_before_resume_taken);
	g_test_add_func("/vm-lifecycle/resume-keeps-offline", test_resume_keeps_offline);
	g_test_add_func("/vm-lifecycle/poweroff-during-pause", test_poweroff_during_pause);
	return g_test_run();
}
