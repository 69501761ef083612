/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Power requests (power-off, reset, suspend, triple fault) and the monitor's
 * controls. Devices ask from the ioreq thread, the monitor and signals from
 * the main thread; the ioreq thread acts between requests, so no device
 * handler ever runs while its VM is being reset underneath it.
 */
#include <errno.h>
#include <string.h>

#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/pci.h>
#include <dm/platform.h>
#include <dm/transport.h>
#include <dm/vm.h>

#include "core.h"

/* Which request wins when several arrive before the thread acts. */
static int power_rank(int what)
{
	switch (what) {
	case DM_POWER_OFF:
		return 4;
	case DM_POWER_TRIPLE_FAULT:
		return 3;
	case DM_POWER_RESET:
		return 2;
	case DM_POWER_SUSPEND:
		return 1;
	default:
		return 0;
	}
}

static void wake_loop(struct dm_vm *vm)
{
	struct dm_vm_core *core = vm->core;

	/* From the ioreq thread itself the loop looks after the current request. */
	if (core->thread && g_thread_self() != core->thread && !g_atomic_int_get(&core->done))
		vm->t->ops->wake_requests(vm->t);
}

static bool on_ioreq_thread(struct dm_vm *vm)
{
	return vm->core->thread && g_thread_self() == vm->core->thread;
}

static void emit(const char *name, const char *key, const char *val)
{
	JsonObject *data = NULL;

	if (key) {
		data = json_object_new();
		json_object_set_string_member(data, key, val);
	}
	dm_event_emit(name, data);
}

void dm_vm_request_power_why(struct dm_vm *vm, enum dm_power what, const char *reason)
{
	static const char *const guest_reason[] = {
		[DM_POWER_OFF] = "guest-poweroff",
		[DM_POWER_RESET] = "guest-reset",
		[DM_POWER_SUSPEND] = "guest-suspend",
	};
	struct dm_vm_core *core = vm->core;
	bool guest = on_ioreq_thread(vm);

	if (power_rank(what) == 0)
		return;
	if (!reason)
		reason = guest ? "guest" : "destroy";
	/* The guest asked for it: say so before acting (a triple fault is not a request). */
	if (guest && (unsigned)what < G_N_ELEMENTS(guest_reason) && guest_reason[what])
		emit("shutdown", "reason", guest_reason[what]);
	g_mutex_lock(&core->lock);
	if (power_rank(what) > power_rank(core->power_req)) {
		g_atomic_int_set(&core->power_req, (int)what);
		core->power_reason = reason;
	}
	g_mutex_unlock(&core->lock);
	wake_loop(vm);
}

void dm_vm_request_power(struct dm_vm *vm, enum dm_power what)
{
	dm_vm_request_power_why(vm, what, NULL);
}

enum dm_power dm_vm_take_power(struct dm_vm *vm, const char **reason)
{
	struct dm_vm_core *core = vm->core;
	enum dm_power what;

	g_mutex_lock(&core->lock);
	what = (enum dm_power)core->power_req;
	*reason = core->power_reason;
	g_atomic_int_set(&core->power_req, DM_POWER_NONE);
	core->power_reason = NULL;
	g_mutex_unlock(&core->lock);
	return what;
}

static void set_state(struct dm_vm *vm, enum dm_vm_state s)
{
	g_mutex_lock(&vm->core->lock);
	vm->core->state = s;
	g_mutex_unlock(&vm->core->lock);
}

static bool power_off(struct dm_vm *vm, const char *reason)
{
	struct dm_transport *t = vm->t;
	int ret;

	t->ops->pause_vm(t);
	ret = t->ops->destroy_vm(t);
	if (ret)
		dm_warn("destroying the VM: %s", g_strerror(-ret));
	set_state(vm, DM_VM_STOPPED);
	dm_info("powered off (%s)", reason);
	emit("poweroff", "reason", reason);
	vm->core->loop_status = 0;
	return true;
}

static bool fail(struct dm_vm *vm, const char *what, int ret)
{
	dm_err("%s failed: %s; destroying the VM", what, g_strerror(-ret));
	vm->t->ops->destroy_vm(vm->t);
	set_state(vm, DM_VM_STOPPED);
	emit("poweroff", "reason", "error");
	vm->core->loop_status = ret;
	return true;
}

/* Pause, drop what the vCPUs wait for, and bring every device back to power-on state. */
static int quiesce_and_reset(struct dm_vm *vm)
{
	struct dm_transport *t = vm->t;
	struct dm_vm_core *core = vm->core;
	GArray *hooks;
	int ret;

	ret = t->ops->pause_vm(t);
	if (ret)
		return ret;
	ret = t->ops->clear_vm_ioreq(t);
	if (ret)
		return ret;
	/* Copy: a hook may register further hooks. */
	g_mutex_lock(&core->lock);
	hooks = g_array_copy(core->reset_hooks);
	g_mutex_unlock(&core->lock);
	for (guint i = 0; i < hooks->len; i++) {
		struct dm_hook *h = &g_array_index(hooks, struct dm_hook, i);

		h->fn(vm, h->opaque);
	}
	g_array_free(hooks, TRUE);
	return t->ops->reset_vm(t);
}

static bool reset(struct dm_vm *vm, const char *reason)
{
	struct dm_vm_core *core = vm->core;
	int ret;

	ret = quiesce_and_reset(vm);
	if (ret)
		return fail(vm, "reset", ret);
	if (core->boot) {
		ret = core->boot(vm, core->boot_opaque);
		if (ret)
			return fail(vm, "reloading the kernel", ret);
	}
	ret = vm->t->ops->start_vm(vm->t);
	if (ret)
		return fail(vm, "restarting the VM", ret);
	set_state(vm, DM_VM_RUNNING);
	dm_info("rebooted (%s)", reason);
	emit("reboot", "reason", reason);
	return false;
}

static bool suspend(struct dm_vm *vm)
{
	int ret = vm->t->ops->pause_vm(vm->t);

	if (ret)
		return fail(vm, "suspend", ret);
	set_state(vm, DM_VM_SUSPENDED);
	dm_info("suspended to RAM (S3)");
	emit("suspend", NULL, NULL);
	return false;
}

static bool wakeup(struct dm_vm *vm, const char *reason)
{
	struct acrn_vcpu_regs regs;
	uint32_t vec = dm_acpi_waking_vector(vm);
	int ret;

	if (!vec || vec >= 0x100000)
		return fail(vm, "S3 wakeup (the guest left no real-mode waking vector in its FACS)",
		            -ENOENT);
	ret = quiesce_and_reset(vm);
	if (ret)
		return fail(vm, "S3 wakeup", ret);
	/* Real mode at the waking vector, as firmware would jump there. */
	memset(&regs, 0, sizeof(regs));
	regs.vcpu_regs.cr0 = 0x30;
	regs.vcpu_regs.cs_ar = 0x9F;
	regs.vcpu_regs.cs_limit = 0xFFFF;
	regs.vcpu_regs.cs_sel = (uint16_t)(vec >> 4);
	regs.vcpu_regs.cs_base = vec & ~0xFULL;
	regs.vcpu_regs.rip = vec & 0xF;
	regs.vcpu_regs.rflags = 0x2;
	ret = vm->t->ops->set_vcpu_regs(vm->t, &regs);
	if (ret)
		return fail(vm, "S3 wakeup: setting the BSP's registers", ret);
	ret = vm->t->ops->start_vm(vm->t);
	if (ret)
		return fail(vm, "S3 wakeup: starting the VM", ret);
	set_state(vm, DM_VM_RUNNING);
	dm_info("woke up from S3 at 0x%x", vec);
	emit("wakeup", "reason", reason);
	return false;
}

bool dm_vm_handle_power(struct dm_vm *vm, enum dm_power what, const char *reason)
{
	if (!reason)
		reason = "guest";
	switch ((int)what) {
	case DM_POWER_OFF:
		return power_off(vm, reason);
	case DM_POWER_TRIPLE_FAULT:
		/* Policy: a triple-faulting guest is off, as on a board without a reset circuit. */
		emit("triple_fault", NULL, NULL);
		return power_off(vm, "triple_fault");
	case DM_POWER_RESET:
		return reset(vm, reason);
	case DM_POWER_SUSPEND:
		return suspend(vm);
	case DM_POWER_WAKEUP:
		return wakeup(vm, reason);
	default:
		return false;
	}
}

int dm_vm_pause(struct dm_vm *vm)
{
	enum dm_vm_state s = dm_vm_state(vm);
	int ret;

	if (s == DM_VM_PAUSED)
		return -EALREADY;
	if (s != DM_VM_RUNNING)
		return -EINVAL;
	ret = vm->t->ops->pause_vm(vm->t);
	if (ret)
		return ret;
	/* The monitor, our only caller, emits "paused" and "resumed". */
	set_state(vm, DM_VM_PAUSED);
	return 0;
}

int dm_vm_resume(struct dm_vm *vm)
{
	enum dm_vm_state s = dm_vm_state(vm);
	int ret;

	if (s == DM_VM_SUSPENDED) {
		/* The ioreq thread does the wakeup, like every other power transition. */
		bool busy;

		g_mutex_lock(&vm->core->lock);
		busy = vm->core->power_req != DM_POWER_NONE;
		if (!busy) {
			g_atomic_int_set(&vm->core->power_req, DM_POWER_WAKEUP);
			vm->core->power_reason = "monitor";
		}
		g_mutex_unlock(&vm->core->lock);
		if (busy)
			return -EBUSY; /* a power-off or reset is already on its way */
		wake_loop(vm);
		return 0;
	}
	if (s == DM_VM_RUNNING)
		return -EALREADY;
	if (s != DM_VM_PAUSED)
		return -EINVAL;
	/*
	 * START_VM of a paused VM resumes it where it stopped: our hypervisor's
	 * extension of ACRN's ABI (api/README.md). Upstream ACRN refuses it
	 * (-EBUSY), which the monitor reports as it comes.
	 */
	ret = vm->t->ops->start_vm(vm->t);
	if (ret)
		return ret;
	set_state(vm, DM_VM_RUNNING);
	return 0;
}

JsonObject *dm_vm_query(struct dm_vm *vm)
{
	JsonObject *o = json_object_new();
	JsonArray *devs = json_array_new();

	json_object_set_string_member(o, "name", vm->name);
	json_object_set_string_member(o, "state", dm_vm_state_name(dm_vm_state(vm)));
	json_object_set_int_member(o, "vcpus", vm->ncpus);
	json_object_set_int_member(o, "memory", (gint64)(vm->lowmem + vm->highmem));
	json_object_set_string_member(o, "transport", vm->t ? vm->t->ops->name : "none");
	for (unsigned s = 0; s < PCI_SLOTS; s++) {
		for (unsigned f = 0; f < PCI_FUNCS; f++) {
			struct pci_dev *d = pci_find(vm, s, f);
			JsonObject *dev;

			if (!d)
				continue;
			dev = json_object_new();
			json_object_set_int_member(dev, "slot", s);
			json_object_set_int_member(dev, "func", f);
			json_object_set_string_member(dev, "emulation",
			                              d->ops ? d->ops->name : "?");
			json_array_add_object_element(devs, dev);
		}
	}
	json_object_set_array_member(o, "devices", devs);
	return o;
}
