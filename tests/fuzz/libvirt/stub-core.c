/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for acrnd's core (manager.h) so the fuzzer reaches every
 * procedure, lifecycle changes and their events without acrn-dm processes:
 * two VMs whose operations complete at once.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "manager.h"

struct acrnd_vm {
	struct acrnd_def def;
	enum acrnd_state state;
	bool autostart, defined;
};

struct acrnd_manager {
	struct acrnd_vm vms[2];
	const struct acrnd_listener *l;
	void *user;
};

static struct acrnd_manager the_manager;
static const struct acrnd_serial the_pty_serial = { .type = ACRND_SERIAL_PTY, .port = 0 };

struct acrnd_manager *stub_manager(void)
{
	struct acrnd_manager *m = &the_manager;

	for (int i = 0; i < 2; i++) {
		struct acrnd_vm *vm = &m->vms[i];

		/* The same start for every input: vm1 runs, vm2 is off. */
		vm->state = i ? ACRND_STATE_SHUTOFF : ACRND_STATE_RUNNING;
		vm->autostart = false;
		if (vm->defined)
			continue;
		memset(vm, 0, sizeof(*vm));
		strcpy(vm->def.name, i ? "vm2" : "vm1");
		strcpy(vm->def.uuid, i ? "22222222-2222-2222-2222-222222222222"
		                       : "11111111-1111-1111-1111-111111111111");
		vm->def.memory_mib = 64;
		vm->def.vcpus = 1;
		vm->def.serials = g_ptr_array_new(); /* com1, a pty */
		g_ptr_array_add(vm->def.serials, (void *)&the_pty_serial);
		vm->state = i ? ACRND_STATE_SHUTOFF : ACRND_STATE_RUNNING;
		vm->defined = true;
		if (m->l && m->l->vm_added)
			m->l->vm_added(vm, m->user);
	}
	return m;
}

void acrnd_manager_subscribe(struct acrnd_manager *m, const struct acrnd_listener *l, void *user)
{
	m->l = l;
	m->user = user;
}

static void set_state(struct acrnd_vm *vm, enum acrnd_state s, const char *reason)
{
	vm->state = s;
	if (the_manager.l && the_manager.l->state_changed)
		the_manager.l->state_changed(vm, s, reason, the_manager.user);
}

int acrnd_manager_define(struct acrnd_manager *m, const char *xml, size_t len,
                         struct acrnd_vm **ret, GError **error)
{
	(void)len;
	if (!strstr(xml, "<domain")) {
		g_set_error(error, ACRND_ERROR, EINVAL, "not a domain");
		return -EINVAL;
	}
	*ret = &m->vms[0];
	if (m->l && m->l->vm_changed)
		m->l->vm_changed(*ret, "Definition", m->user);
	return 0;
}

int acrnd_manager_undefine(struct acrnd_manager *m, const char *name, GError **error)
{
	struct acrnd_vm *vm = acrnd_manager_lookup(m, name, error);

	if (!vm)
		return -ENOENT;
	if (m->l && m->l->vm_removed)
		m->l->vm_removed(vm, m->user);
	vm->defined = false;
	return 0;
}

struct acrnd_vm *acrnd_manager_lookup(struct acrnd_manager *m, const char *name, GError **error)
{
	for (int i = 0; i < 2; i++)
		if (m->vms[i].defined && !strcmp(m->vms[i].def.name, name))
			return &m->vms[i];
	g_set_error(error, ACRND_ERROR, ENOENT, "no VM '%s'", name);
	return NULL;
}

GPtrArray *acrnd_manager_list(struct acrnd_manager *m)
{
	GPtrArray *a = g_ptr_array_new();

	for (int i = 0; i < 2; i++)
		if (m->vms[i].defined)
			g_ptr_array_add(a, &m->vms[i]);
	return a;
}

const char *acrnd_vm_name(struct acrnd_vm *vm)
{
	return vm->def.name;
}

const struct acrnd_def *acrnd_vm_def(struct acrnd_vm *vm)
{
	return &vm->def;
}

enum acrnd_state acrnd_vm_state(struct acrnd_vm *vm)
{
	return vm->state;
}

bool acrnd_vm_autostart(struct acrnd_vm *vm)
{
	return vm->autostart;
}

int acrnd_vm_set_autostart(struct acrnd_vm *vm, bool on, GError **error)
{
	(void)error;
	vm->autostart = on;
	return 0;
}

pid_t acrnd_vm_pid(struct acrnd_vm *vm)
{
	(void)vm;
	return 0;
}

/* vm1's console: a real pty nobody reads, so console streams fill and drop. */
const char *acrnd_vm_console_pty(struct acrnd_vm *vm)
{
	static char *path;
	static int master = -1;

	if (vm != &the_manager.vms[0])
		return NULL;
	if (master < 0) {
		master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
		if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
			return NULL;
		path = g_strdup(ptsname(master));
	}
	return path;
}

const char *acrnd_vm_serial_pty(struct acrnd_vm *vm, unsigned port)
{
	return port == 0 ? acrnd_vm_console_pty(vm) : NULL;
}

char *acrnd_def_format(const struct acrnd_def *def)
{
	return g_strdup_printf("<domain type='acrn'><name>%s</name></domain>", def->name);
}

char *acrnd_vm_definition(struct acrnd_vm *vm)
{
	return acrnd_def_format(&vm->def);
}

/* Each operation: allowed from @from (a bitmask of states), ends in @to. */
static void op(struct acrnd_vm *vm, unsigned from, enum acrnd_state to, const char *reason,
               acrnd_done_fn done, void *user)
{
	g_autoptr(GError) err = NULL;

	if (!(from & (1u << vm->state))) {
		g_set_error(&err, ACRND_ERROR, EBUSY, "VM '%s' is in the wrong state",
		            vm->def.name);
		done(-EBUSY, err, user);
		return;
	}
	set_state(vm, to, reason);
	done(0, NULL, user);
}

#define S(x) (1u << ACRND_STATE_##x)

void acrnd_vm_start(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	op(vm, S(SHUTOFF) | S(CRASHED), ACRND_STATE_RUNNING, "booted", done, user);
}

void acrnd_vm_shutdown(struct acrnd_vm *vm, unsigned timeout_s, acrnd_done_fn done, void *user)
{
	(void)timeout_s;
	op(vm, S(RUNNING), ACRND_STATE_SHUTOFF, "guest", done, user);
}

void acrnd_vm_destroy(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	op(vm, S(RUNNING) | S(PAUSED), ACRND_STATE_SHUTOFF, "destroyed", done, user);
}

void acrnd_vm_reboot(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	op(vm, S(RUNNING), ACRND_STATE_CRASHED, "crash", done, user);
}

void acrnd_vm_pause(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	op(vm, S(RUNNING), ACRND_STATE_PAUSED, "pause", done, user);
}

void acrnd_vm_resume(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	op(vm, S(PAUSED), ACRND_STATE_RUNNING, "resume", done, user);
}
