/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The board bridge's hypervisor side (api/bridge.md): the header page at
 * GPA 0 of the bridge Service VM, the slot state machine, the upcall hook
 * and the hello line that tells the host where the header is.
 *
 * Slots run on the bridge pCPU from its run loop, not in the doorbell
 * interrupt: a handler may wait for vCPUs on other pCPUs.
 */
#include <acrn/bridge.h>
#include <hv/bridge.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/vm.h>

static struct vm *bridge_vm;
static struct acrn_bridge_header *volatile hdr;
static cpuid_t bridge_pcpu;
static volatile bool hello_wanted;

static void send_hello(void)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "%s %x %lx %lx %lx\n", ACRN_BRIDGE_HELLO,
	                 ACRN_BRIDGE_VERSION, hdr->ram_hpa, hdr->ram_size, hdr->boot_id);

	bridge_arch_send(line, (size_t)MIN(n, (int)sizeof(line) - 1));
}

static void ring(void)
{
	const char b = ACRN_BRIDGE_RING;

	bridge_arch_send(&b, 1);
}

/* The Service VM's upcall: the host scans its VMs' ioreq pages and sbufs. */
static void bridge_upcall(struct vm *service)
{
	(void)service;
	__atomic_add_fetch(&hdr->upcalls, 1, __ATOMIC_SEQ_CST);
	ring();
}

void bridge_doorbell(bool hello)
{
	struct pcpu *p = pcpu_get(bridge_pcpu);

	if (!hdr)
		return;
	if (hello)
		hello_wanted = true;
	__atomic_or_fetch(&p->deferred, PCPU_WORK_BRIDGE, __ATOMIC_SEQ_CST);
	/* A vCPU sharing this pCPU must yield so the run loop gets to the work. */
	p->need_resched = true;
}

/* Run every posted slot once; returns how many completed. */
static unsigned run_slots(void)
{
	unsigned done = 0;

	for (unsigned i = 0; i < ACRN_BRIDGE_NR_SLOTS; i++) {
		struct acrn_bridge_slot *s = &hdr->slots[i];
		uint64_t id, p1, p2;
		int64_t ret;

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != ACRN_BRIDGE_SLOT_POSTED)
			continue;
		id = s->id;
		p1 = s->p1;
		p2 = s->p2;
		__atomic_store_n(&s->state, ACRN_BRIDGE_SLOT_RUNNING, __ATOMIC_RELEASE);
		ret = hypercall_dispatch_vm(bridge_vm, id, p1, p2);
		s->ret = ret;
		__atomic_store_n(&s->state, ACRN_BRIDGE_SLOT_DONE, __ATOMIC_RELEASE);
		done++;
	}
	return done;
}

void bridge_run_deferred(struct pcpu *p)
{
	unsigned done = 0, n;

	if (!(__atomic_fetch_and(&p->deferred, ~PCPU_WORK_BRIDGE, __ATOMIC_SEQ_CST) &
	      PCPU_WORK_BRIDGE) ||
	    !hdr)
		return;
	if (hello_wanted) {
		hello_wanted = false;
		send_hello();
	}
	/* Slots posted while we ran are picked up now rather than at the next ring. */
	while ((n = run_slots()) > 0)
		done += n;
	if (done)
		ring();
}

int bridge_create(struct vm *vm, vmid_t id, const struct scenario_vm *cfg)
{
	int pcpu = scenario_vcpu_pcpu(cfg, 0);
	struct acrn_bridge_header *h;
	int err;

	if (pcpu < 0 || (unsigned)pcpu >= nr_pcpus || !pcpu_get((cpuid_t)pcpu)->online) {
		pr_err("vm %s: bridge pCPU %d is not online\n", cfg->name, pcpu);
		return -ENODEV;
	}
	bridge_pcpu = (cpuid_t)pcpu;
	/* First the doorbell: a board without one gets no half-made VM. */
	err = bridge_arch_init((cpuid_t)pcpu);
	if (err) {
		pr_err("vm %s: no bridge doorbell on this board (error %d)\n", cfg->name, err);
		return err;
	}
	err = vm_create(vm, id, cfg);
	if (err)
		return err;
	/* Board RAM may hold anything from before; the host reads this block. */
	memset(hpa_to_ptr(vm->ram_hpa), 0, vm->ram_size);
	h = hpa_to_ptr(vm->ram_hpa);
	h->version = ACRN_BRIDGE_VERSION;
	h->nr_slots = ACRN_BRIDGE_NR_SLOTS;
	h->ram_hpa = vm->ram_hpa;
	h->ram_size = vm->ram_size;
	h->boot_id = timer_now() | 1;
	__atomic_store_n(&h->magic, ACRN_BRIDGE_MAGIC, __ATOMIC_RELEASE);
	bridge_vm = vm;
	/* Published last: the doorbell ignores the bridge until it is whole. */
	__atomic_store_n(&hdr, h, __ATOMIC_RELEASE);
	vm->upcall = bridge_upcall;
	vm->state = VM_RUNNING;
	pr_info("vm %s: board bridge at 0x%lx (%lu MiB), doorbell on pCPU %u\n", cfg->name,
	        vm->ram_hpa, vm->ram_size >> 20, bridge_pcpu);
	/* The host may be listening already; otherwise it asks with ACRN_BRIDGE_ASK_HELLO. */
	send_hello();
	return 0;
}
