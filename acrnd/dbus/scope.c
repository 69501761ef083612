/* SPDX-License-Identifier: BSD-3-Clause */
/* acrn-dm processes into scopes of their own (scope.h). */
#include <glib.h>

#include "scope.h"

struct acrnd_scopes {
	sd_bus *bus;
	bool session;
	bool no_manager; /* the bus has no service manager: stop asking */
	GList *pending;  /* struct pending: calls in flight, cancelled by free */
};

struct pending {
	struct acrnd_scopes *s;
	sd_bus_slot *slot;
	char *unit;
	pid_t pid;
};

static void pending_free(struct pending *p)
{
	p->s->pending = g_list_remove(p->s->pending, p);
	sd_bus_slot_unref(p->slot);
	g_free(p->unit);
	g_free(p);
}

char *acrnd_scope_name(const char *name)
{
	return g_strdup_printf("acrn-dm-%s.scope", name);
}

static int started(sd_bus_message *reply, void *user, sd_bus_error *ret_error)
{
	struct pending *p = user;
	const sd_bus_error *e = sd_bus_message_get_error(reply);

	(void)ret_error;
	if (!e) {
		g_debug("acrn-dm %d moved into %s", (int)p->pid, p->unit);
	} else if (g_str_has_prefix(e->name, "org.freedesktop.DBus.Error.") &&
	           !sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT)) {
		/* The bus answered, not systemd: no manager there, or none we may ask. */
		if (!p->s->no_manager)
			g_message("no service manager on acrnd's bus (%s): acrn-dm processes stay "
			          "in acrnd's own cgroup",
			          e->message);
		p->s->no_manager = true;
	} else {
		g_message("acrn-dm %d stays in acrnd's cgroup: %s: %s", (int)p->pid, p->unit,
		          e->message);
	}
	pending_free(p);
	return 0;
}

/* StartTransientUnit(name, "fail", properties, no auxiliary units). */
static int request(struct acrnd_scopes *s, struct pending *p, const char *desc)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(
	        s->bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
	        "org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", p->unit, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)", "PIDs", "au", 1, (uint32_t)p->pid,
		                          "Description", "s", desc, "CollectMode", "s",
		                          "inactive-or-failed");
	/* machine.slice holds a systemd host's VMs and containers; a user manager's
	 * transient scopes go to its default slice. */
	if (r >= 0 && !s->session)
		r = sd_bus_message_append(m, "(sv)", "Slice", "s", "machine.slice");
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r >= 0)
		r = sd_bus_call_async(s->bus, &p->slot, m, started, p, 0);
	sd_bus_message_unref(m);
	return r;
}

static void on_process(struct acrnd_vm *vm, pid_t pid, void *user)
{
	struct acrnd_scopes *s = user;
	g_autofree char *desc = NULL;
	struct pending *p;
	int r;

	if (s->no_manager)
		return;
	p = g_new0(struct pending, 1);
	p->s = s;
	p->pid = pid;
	p->unit = acrnd_scope_name(acrnd_vm_name(vm));
	s->pending = g_list_prepend(s->pending, p);
	desc = g_strdup_printf("ACRN VM %s (acrn-dm)", acrnd_vm_name(vm));
	r = request(s, p, desc);
	if (r < 0) {
		g_message("acrn-dm %d stays in acrnd's cgroup: cannot ask for %s: %s", (int)pid,
		          p->unit, g_strerror(-r));
		pending_free(p);
	}
}

static const struct acrnd_listener listener = {
	.process_started = on_process,
};

struct acrnd_scopes *acrnd_scopes_new(sd_bus *bus, struct acrnd_manager *m, bool session)
{
	struct acrnd_scopes *s = g_new0(struct acrnd_scopes, 1);

	s->bus = sd_bus_ref(bus);
	s->session = session;
	acrnd_manager_subscribe(m, &listener, s);
	return s;
}

void acrnd_scopes_free(struct acrnd_scopes *s)
{
	if (!s)
		return;
	while (s->pending)
		pending_free(s->pending->data);
	sd_bus_unref(s->bus);
	g_free(s);
}
