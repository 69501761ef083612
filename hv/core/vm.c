/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/errno.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/vm.h>

struct vm vms[MAX_VMS];
unsigned nr_vms;

const char *vm_name(const struct vm *vm)
{
	return vm->cfg->name;
}

static void flush_console_line(struct vm *vm)
{
	char buf[sizeof(vm->con_line) + 48];
	int n = snprintf(buf, sizeof(buf), "[vm %s] %.*s\n", vm_name(vm), (int)vm->con_len,
	                 vm->con_line);

	console_write(buf, (size_t)MIN(n, (int)sizeof(buf) - 1));
	vm->con_len = 0;
}

void vm_console_putc(struct vm *vm, uint8_t c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		flush_console_line(vm);
		return;
	}
	/* Keep the board console printable whatever the guest sends. */
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		c = '.';
	vm->con_line[vm->con_len++] = (char)c;
	if (vm->con_len == sizeof(vm->con_line))
		flush_console_line(vm);
}

static void uart_tx(void *owner, uint8_t byte)
{
	vm_console_putc(owner, byte);
}

static void uart_irq(void *owner, bool level)
{
	struct vm *vm = owner;

	vm_set_irq_line(vm, vm->cfg->vuart.irq, level);
}

static const struct vuart_ops uart_ops = { .tx = uart_tx, .set_irq = uart_irq };

static int uart_io_read(struct vcpu *v, void *opaque, uint64_t off, unsigned width, uint64_t *val)
{
	struct vm *vm = opaque;

	(void)v;
	if (width != 1)
		return -EINVAL;
	spin_lock(&vm->uart_lock);
	*val = vuart_read(&vm->uart, (unsigned)off);
	spin_unlock(&vm->uart_lock);
	return 0;
}

static int uart_io_write(struct vcpu *v, void *opaque, uint64_t off, unsigned width, uint64_t val)
{
	struct vm *vm = opaque;

	(void)v;
	if (width != 1)
		return -EINVAL;
	spin_lock(&vm->uart_lock);
	vuart_write(&vm->uart, (unsigned)off, (uint8_t)val);
	spin_unlock(&vm->uart_lock);
	return 0;
}

void vm_set_irq_line(struct vm *vm, unsigned line, bool level)
{
	vm_arch_set_irq_line(vm, line, level);
}

/* Undo a partial vm_create: nothing of a VM that failed may stay scheduled or allocated. */
static void vm_release(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		struct sched_rq *rq = &pcpu_get(v->pcpu)->rq;

		spin_lock(&rq->lock);
		if (v->se.attached)
			sched_detach(rq, &v->se);
		spin_unlock(&rq->lock);
	}
	pgtable_destroy(&vm->stage2);
	if (vm->ram_hpa)
		page_pool_free(&hv_pages, vm->ram_hpa, vm->ram_size / PAGE_SIZE);
	vm->ram_hpa = 0;
}

/* The 16550 model is arch-neutral; where its registers sit is the architecture's call. */
static int register_uart(struct vm *vm)
{
	struct io_handler h = {
		.size = 8, .read = uart_io_read, .write = uart_io_write, .opaque = vm
	};
	struct io_bus *bus;

	if (!vm->cfg->vuart.enabled)
		return 0;
	bus = vm_arch_uart_bus(vm, &h.base);
	if (!bus)
		return 0;
	vm->uart_lock = (struct spinlock)SPINLOCK_INIT;
	vuart_init(&vm->uart, &uart_ops, vm);
	return io_bus_register(bus, &h);
}

static int attach_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		struct sched_rq *rq = &pcpu_get(v->pcpu)->rq;
		int err = vcpu_arch_init(v);

		if (err)
			return err;
		spin_lock(&rq->lock);
		err = sched_attach(rq, &v->se);
		spin_unlock(&rq->lock);
		if (err) {
			pr_err("vm %s: too many vCPUs on pCPU %u\n", vm_name(vm), v->pcpu);
			return err;
		}
	}
	return 0;
}

/* An empty slot: not created, off, nothing mapped. */
void vm_slot_init(struct vm *vm, vmid_t id, const struct scenario_vm *cfg)
{
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->cfg = cfg;
	vm->post_launched = cfg && cfg->load_order == LOAD_POST_LAUNCHED;
	vm->state = VM_POWERED_OFF;
	vm->lock = (struct spinlock)SPINLOCK_INIT;
	vm->mem_lock = (struct spinlock)SPINLOCK_INIT;
	vm->asyncio_lock = (struct spinlock)SPINLOCK_INIT;
}

/* vCPU i on the i-th pCPU of @affinity. */
static void init_vcpus(struct vm *vm, uint64_t affinity)
{
	unsigned cpu = 0;

	vm->nr_vcpus = 0;
	for (unsigned i = 0; i < SCENARIO_MAX_VCPUS && affinity >> cpu; i++) {
		while (!(affinity & BIT(cpu)))
			cpu++;
		vcpu_init(&vm->vcpus[i], vm, i, (cpuid_t)cpu++);
		vm->nr_vcpus++;
	}
}

static int finish_create(struct vm *vm)
{
	int err = register_uart(vm);

	err = err ?: vm_arch_init(vm);
	err = err ?: attach_vcpus(vm);
	if (err) {
		vm_release(vm);
		return err;
	}
	vm->created = true;
	return 0;
}

int vm_create(struct vm *vm, vmid_t id, const struct scenario_vm *cfg)
{
	uint64_t pages = cfg->memory_size / PAGE_SIZE;
	int err;

	vm_slot_init(vm, id, cfg);
	vm->state = VM_CREATED;
	vm->ram_size = cfg->memory_size;
	/* A bridge Service VM's pCPU only takes its doorbell: it has no vCPU. */
	init_vcpus(vm, cfg->nr_vcpus ? cfg->cpu_affinity : 0);
	vm->ram_hpa = page_pool_alloc(&hv_pages, pages, MiB(2) / PAGE_SIZE);
	if (!vm->ram_hpa) {
		pr_err("vm %s: cannot allocate %lu MiB of RAM (%lu MiB free)\n", cfg->name,
		       cfg->memory_size >> 20, (hv_pages.nr_free * PAGE_SIZE) >> 20);
		return -ENOMEM;
	}
	vm->stage2 = (struct pgtable){ .fmt = vm_arch_stage2_fmt(),
		                       .alloc_table = pgtable_pool_alloc,
		                       .free_table = pgtable_pool_free };
	err = pgtable_init(&vm->stage2);
	if (!err)
		err = pgtable_map(&vm->stage2, 0, vm->ram_hpa, vm->ram_size, PGT_RWX | PGT_USER);
	if (err)
		pr_err("vm %s: stage-2 tables: error %d\n", cfg->name, err);
	err = err ?: finish_create(vm);
	if (err)
		return err;
	/* A Service VM with vCPUs hears about ioreqs by ACRN's callback vector. */
	if (cfg->load_order == LOAD_SERVICE)
		vm->upcall = vm_arch_upcall;
	pr_info("vm %s: created, %u vCPU(s), %lu MiB RAM at 0x%lx\n", cfg->name, vm->nr_vcpus,
	        vm->ram_size >> 20, vm->ram_hpa);
	return 0;
}

int vm_create_post(struct vm *vm, struct vm *service, uint64_t affinity, uint64_t flags)
{
	int err;

	vm_slot_init(vm, vm->id, vm->cfg);
	vm->state = VM_CREATED;
	vm->service = service;
	vm->guest_flags = flags;
	init_vcpus(vm, affinity);
	vm->stage2 = (struct pgtable){ .fmt = vm_arch_stage2_fmt(),
		                       .alloc_table = pgtable_pool_alloc,
		                       .free_table = pgtable_pool_free };
	err = pgtable_init(&vm->stage2);
	err = err ?: finish_create(vm);
	if (err) {
		vm_slot_init(vm, vm->id, vm->cfg);
		return err;
	}
	pr_info("vm %s: created by vm %s, %u vCPU(s)\n", vm_name(vm), vm_name(service),
	        vm->nr_vcpus);
	return 0;
}

void vm_destroy(struct vm *vm)
{
	/* Guest data must not go back to the Service VM: zero, then unmap. */
	vm_ram_clear(vm, true);
	vm_release(vm);
	pr_info("vm %s: destroyed\n", vm_name(vm));
	vm_slot_init(vm, vm->id, vm->cfg);
}

/* A vCPU's core state from its previous life: requests, ioreq, what a pause kept. */
static void vcpu_forget(struct vcpu *v)
{
	v->ioreq = (struct vcpu_ioreq){ 0 };
	v->requests = 0;
	v->paused = false;
	v->halt_cut = false;
	v->resume_halted = false;
}

int vm_start(struct vm *vm)
{
	int err;

	/* A post-launched VM's RAM and entry state come from its device model. */
	if (vm->cfg->load_order != LOAD_POST_LAUNCHED) {
		/* Stale guest data must never leak into a (re)started VM. */
		memset(hpa_to_ptr(vm->ram_hpa), 0, vm->ram_size);
		err = vm_arch_load(vm);
		if (err) {
			pr_err("vm %s: cannot load its kernel (error %d)\n", vm_name(vm), err);
			vm->state = VM_POWERED_OFF;
			return err;
		}
	}
	ioreq_reset_slots(vm);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vcpu_forget(&vm->vcpus[i]);
		vcpu_arch_reset(&vm->vcpus[i]);
	}
	vm->vcpus_online = 1;
	vm->triple_faulted = false;
	vm->state = VM_RUNNING;
	vcpu_set_state(&vm->vcpus[0], VCPU_RUNNING);
	return 0;
}

static void board_check_idle(void)
{
	for (unsigned i = 0; i < nr_vms; i++) {
		if (vms[i].state != VM_POWERED_OFF)
			return;
	}
	pr_info("all VMs are powered off\n");
	if (hv_scenario.shutdown_when_idle)
		pcpu_arch_board_off(0);
}

static uint64_t vm_nr_exits(const struct vm *vm)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		n += vm->vcpus[i].nr_exits;
	return n;
}

static int vm_stop(struct vm *vm, enum vm_stop_mode mode, const char *reason)
{
	static const char *const what[] = { "power off", "reset", "pause" };

	/* The Service VM decides what a post-launched VM's reset means. */
	if (mode == VM_STOP_RESET && vm->cfg->load_order == LOAD_POST_LAUNCHED)
		mode = VM_STOP_POWEROFF;
	spin_lock(&vm->lock);
	/*
	 * The guest stopped itself (a triple fault) while a pause was on its
	 * way: it would resume dead, so it ends as it asked. Its vCPUs still
	 * run (this one does), so the last one out has not decided yet.
	 */
	if (vm->state == VM_STOPPING && vm->stop_mode == VM_STOP_PAUSE && mode != VM_STOP_PAUSE) {
		vm->stop_mode = mode;
		spin_unlock(&vm->lock);
		pr_info("vm %s: %s (%s) while pausing\n", vm_name(vm), what[mode], reason);
		return 0;
	}
	if (vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return -EBUSY;
	}
	vm->state = VM_STOPPING; /* no new starts until every vCPU has stopped */
	vm->stop_mode = mode;
	spin_unlock(&vm->lock);
	pr_info("vm %s: %s (%s) after %lu exits\n", vm_name(vm), what[mode], reason,
	        vm_nr_exits(vm));
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->state != VCPU_OFFLINE)
			vcpu_request(v, VCPU_REQ_STOP);
	}
	return 0;
}

void vm_poweroff(struct vm *vm, const char *reason)
{
	vm_stop(vm, VM_STOP_POWEROFF, reason);
}

void vm_reset(struct vm *vm, const char *reason)
{
	vm_stop(vm, VM_STOP_RESET, reason);
}

int vm_pause(struct vm *vm)
{
	cpuid_t self = this_pcpu()->id;
	int err = vm_stop(vm, VM_STOP_PAUSE, "by the Service VM");

	if (err)
		return err;
	/*
	 * vCPUs on other pCPUs stop at their next check; one on this pCPU is
	 * not running (we are), so it would never get there: stop it here.
	 * Done when the last vCPU out made the VM PAUSED, so a START_VM right
	 * after this returns finds it so.
	 */
	while (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_STOPPING) {
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *v = &vm->vcpus[i];

			if (v->pcpu == self && v->state != VCPU_OFFLINE)
				vcpu_stop_local(v);
		}
		cpu_relax();
	}
	return 0;
}

int vm_resume(struct vm *vm)
{
	int err = -EBUSY;

	spin_lock(&vm->lock);
	if (vm->state != VM_PAUSED)
		goto out;
	/* Under vm->lock: a pause cannot begin before every vCPU is back. */
	vm->state = VM_RUNNING;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		/* Left by a vCPU that went offline by itself meanwhile (SBI HSM stop): stale. */
		__atomic_and_fetch(&v->requests, ~VCPU_REQ_STOP, __ATOMIC_SEQ_CST);
		if (!v->paused)
			continue; /* offline before the pause (an AP never started): stays so */
		v->paused = false;
		__atomic_add_fetch(&vm->vcpus_online, 1, __ATOMIC_SEQ_CST);
		__atomic_or_fetch(&v->requests, VCPU_REQ_RESUME, __ATOMIC_SEQ_CST);
		vcpu_set_state(v, VCPU_RUNNING);
	}
	err = 0;
out:
	spin_unlock(&vm->lock);
	if (!err)
		pr_info("vm %s: resumed by the Service VM\n", vm_name(vm));
	return err;
}

int vm_reset_post(struct vm *vm)
{
	if (vm->cfg->vuart.enabled)
		vuart_init(&vm->uart, &uart_ops, vm);
	vm_arch_reset_devices(vm);
	ioreq_reset_slots(vm);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_forget(&vm->vcpus[i]);
	vm->state = VM_CREATED;
	pr_info("vm %s: reset by the Service VM\n", vm_name(vm));
	return 0;
}

int vm_vcpu_online(struct vcpu *v)
{
	struct vm *vm = v->vm;
	int err = -EBUSY;

	spin_lock(&vm->lock);
	if (vm->state == VM_RUNNING && v->state == VCPU_OFFLINE) {
		__atomic_add_fetch(&vm->vcpus_online, 1, __ATOMIC_SEQ_CST);
		vcpu_set_state(v, VCPU_RUNNING);
		err = 0;
	}
	spin_unlock(&vm->lock);
	return err;
}

void vm_vcpu_stopped(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (__atomic_sub_fetch(&vm->vcpus_online, 1, __ATOMIC_SEQ_CST))
		return;
	/* The last vCPU out finishes the stop. */
	if (vm->stop_mode == VM_STOP_PAUSE) {
		/* Publishes what each vCPU kept for its resume. */
		__atomic_store_n(&vm->state, VM_PAUSED, __ATOMIC_RELEASE);
		return;
	}
	if (vm->stop_mode == VM_STOP_RESET) {
		if (vm->cfg->vuart.enabled)
			vuart_init(&vm->uart, &uart_ops, vm);
		vm_arch_reset_devices(vm);
		if (!vm_start(vm))
			return;
	}
	vm->state = VM_POWERED_OFF;
	/* Its device model must learn that the guest is gone (it then destroys the VM). */
	if (vm->cfg->load_order == LOAD_POST_LAUNCHED) {
		if (vm->triple_faulted)
			ioreq_vm_event(vm, ACRN_VM_EVENT_TRIPLE_FAULT);
		else if (vm->service && vm->service->upcall)
			vm->service->upcall(vm->service);
	}
	board_check_idle();
}
