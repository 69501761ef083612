/* SPDX-License-Identifier: BSD-3-Clause */
/* A post-launched VM's life: creation through the transport, interrupts, hooks, teardown. */
#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include <acrn/irq.h>
#include <dm/log.h>
#include <dm/transport.h>
#include <dm/vm.h>

#include "core.h"

int dm_vm_create(struct dm_vm *vm, struct dm_transport *t, const char *name, unsigned ncpus,
                 uint64_t cpu_affinity, GError **error)
{
	struct acrn_vm_creation c;
	struct dm_vm_core *core;
	size_t len = name ? strlen(name) : 0;
	int ret;

	if (len == 0 || len >= sizeof(vm->name)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "VM name \"%s\" must have 1 to %zu characters", name ? name : "",
		            sizeof(vm->name) - 1);
		return -EINVAL;
	}
	if (ncpus > DM_MAX_VCPUS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "%u vCPUs requested, at most %d", ncpus, DM_MAX_VCPUS);
		return -EINVAL;
	}

	memset(vm, 0, sizeof(*vm));
	g_strlcpy(vm->name, name, sizeof(vm->name));
	vm->t = t;
	core = g_new0(struct dm_vm_core, 1);
	g_mutex_init(&core->lock);
	core->reset_hooks = g_array_new(FALSE, FALSE, sizeof(struct dm_hook));
	core->teardown_hooks = g_array_new(FALSE, FALSE, sizeof(struct dm_hook));
	core->state = DM_VM_STOPPED; /* nothing to destroy until create_vm succeeds */
	vm->core = core;
	dm_io_init(vm);

	memset(&c, 0, sizeof(c));
	memcpy(c.name, name, len);
	c.vcpu_num = (uint16_t)ncpus;
	c.cpu_affinity = cpu_affinity;
	ret = t->ops->create_vm(t, &c);
	if (ret) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-ret),
		            "cannot create VM \"%s\" through the %s transport: %s", name,
		            t->ops->name, g_strerror(-ret));
		return ret;
	}
	if (!t->ioreq_page) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "the %s transport created VM \"%s\" without an ioreq page",
		            t->ops->name, name);
		return -EPROTO;
	}
	if (c.vcpu_num == 0 || c.vcpu_num > DM_MAX_VCPUS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "the hypervisor gave VM \"%s\" %u vCPUs (1 to %d expected)", name,
		            c.vcpu_num, DM_MAX_VCPUS);
		return -EPROTO;
	}
	if (ncpus && c.vcpu_num != ncpus)
		dm_warn("asked for %u vCPUs, the hypervisor gave %u", ncpus, c.vcpu_num);
	vm->ncpus = c.vcpu_num;
	core->state = DM_VM_CREATED;
	dm_info("VM created: id %u, %u vCPUs", t->vmid, vm->ncpus);
	return 0;
}

void dm_vm_destroy(struct dm_vm *vm)
{
	struct dm_vm_core *core = vm->core;

	if (!core)
		return;
	for (guint i = core->teardown_hooks->len; i > 0; i--) {
		struct dm_hook *h = &g_array_index(core->teardown_hooks, struct dm_hook, i - 1);

		h->fn(vm, h->opaque);
	}
	if (vm->t) {
		if (core->state != DM_VM_STOPPED && vm->t->ops->destroy_vm)
			vm->t->ops->destroy_vm(vm->t);
		vm->t->ops->close(vm->t);
		vm->t = NULL;
	}
	dm_io_fini(vm);
	g_array_free(core->reset_hooks, TRUE);
	g_array_free(core->teardown_hooks, TRUE);
	g_mutex_clear(&core->lock);
	g_free(core);
	vm->core = NULL;
	vm->ram_low = vm->ram_high = NULL;
}

void dm_vm_set_boot(struct dm_vm *vm, dm_vm_boot_fn fn, void *opaque)
{
	vm->core->boot = fn;
	vm->core->boot_opaque = opaque;
}

void dm_vm_set_stopped(struct dm_vm *vm, dm_vm_stopped_fn fn, void *opaque)
{
	vm->core->stopped = fn;
	vm->core->stopped_opaque = opaque;
}

static void add_hook(struct dm_vm *vm, GArray *a, dm_vm_hook_fn fn, void *opaque)
{
	struct dm_hook h = { fn, opaque };

	if (!fn)
		return;
	g_mutex_lock(&vm->core->lock);
	g_array_append_val(a, h);
	g_mutex_unlock(&vm->core->lock);
}

void dm_vm_add_reset_hook(struct dm_vm *vm, dm_vm_hook_fn fn, void *opaque)
{
	add_hook(vm, vm->core->reset_hooks, fn, opaque);
}

void dm_vm_add_teardown_hook(struct dm_vm *vm, dm_vm_hook_fn fn, void *opaque)
{
	add_hook(vm, vm->core->teardown_hooks, fn, opaque);
}

static int irqline(struct dm_vm *vm, unsigned gsi, uint32_t op)
{
	int ret = vm->t->ops->set_irqline(vm->t, gsi, op);

	if (ret)
		dm_dbg("SET_IRQLINE gsi %u op %u: %s", gsi, op, g_strerror(-ret));
	return ret;
}

int dm_vm_set_gsi(struct dm_vm *vm, unsigned gsi, bool level)
{
	return irqline(vm, gsi, level ? GSI_SET_HIGH : GSI_SET_LOW);
}

int dm_vm_pulse_gsi(struct dm_vm *vm, unsigned gsi)
{
	return irqline(vm, gsi, GSI_RAISING_PULSE);
}

int dm_vm_inject_msi(struct dm_vm *vm, uint64_t addr, uint64_t data)
{
	return vm->t->ops->inject_msi(vm->t, addr, data);
}

int dm_vm_start(struct dm_vm *vm)
{
	int ret = vm->t->ops->start_vm(vm->t);

	if (ret)
		return ret;
	g_mutex_lock(&vm->core->lock);
	vm->core->state = DM_VM_RUNNING;
	g_mutex_unlock(&vm->core->lock);
	return 0;
}

enum dm_vm_state dm_vm_state(struct dm_vm *vm)
{
	enum dm_vm_state s;

	g_mutex_lock(&vm->core->lock);
	s = vm->core->state;
	g_mutex_unlock(&vm->core->lock);
	return s;
}

const char *dm_vm_state_name(enum dm_vm_state s)
{
	switch (s) {
	case DM_VM_CREATED:
		return "created";
	case DM_VM_RUNNING:
		return "running";
	case DM_VM_PAUSED:
		return "paused";
	case DM_VM_SUSPENDED:
		return "suspended";
	case DM_VM_STOPPED:
		return "stopped";
	}
	return "unknown";
}
