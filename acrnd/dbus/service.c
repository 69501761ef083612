/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dbus_snapshot.h"
#include "service.h"

#define ERR_PREFIX "org.projectacrn.Acrnd1.Error."

struct acrnd_service {
	sd_bus *bus;
	struct acrnd_manager *mgr;
	bool session;
	sd_bus_slot *slots[4];
};

/* VM objects' userdata is the VM, so their handlers find the service here (one per process). */
static struct acrnd_service *the_service;

/* ---- errors and authorization ---- */

static const char *error_name(int rc)
{
	switch (-rc) {
	case ENOENT:
		return ERR_PREFIX "NoSuchVM";
	case EINVAL:
		return ERR_PREFIX "InvalidArgument";
	case EBUSY:
	case EALREADY:
		return ERR_PREFIX "Busy";
	case EPERM:
	case EACCES:
		return ERR_PREFIX "PermissionDenied";
	case EOPNOTSUPP:
		return ERR_PREFIX "NotSupported";
	case ENODATA:
		return ERR_PREFIX "NoSuchSnapshot";
	default:
		return ERR_PREFIX "Failed";
	}
}

static int reply_error(sd_bus_message *m, int rc, const GError *err)
{
	return sd_bus_reply_method_errorf(m, error_name(rc), "%s",
	                                  err ? err->message : g_strerror(-rc));
}

static char *vm_path(const char *name)
{
	char *p = NULL;

	if (sd_bus_path_encode(ACRND_VM_PREFIX, name, &p) < 0)
		return NULL;
	return p;
}

typedef int (*handler_fn)(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm);

struct auth_ctx {
	sd_bus_message *m;
	struct acrnd_service *s;
	char *vm_name; /* NULL for the manager */
	handler_fn fn;
	sd_bus_slot *slot;
};

static int run_authorized(struct auth_ctx *a)
{
	struct acrnd_vm *vm = NULL;
	g_autoptr(GError) err = NULL;

	if (a->vm_name) {
		/* Re-looked up: the VM may have gone while polkit thought. */
		vm = acrnd_manager_lookup(a->s->mgr, a->vm_name, &err);
		if (!vm)
			return reply_error(a->m, -ENOENT, err);
	}
	return a->fn(a->m, a->s, vm);
}

static void auth_free(struct auth_ctx *a)
{
	sd_bus_message_unref(a->m);
	sd_bus_slot_unref(a->slot);
	g_free(a->vm_name);
	g_free(a);
}

static int polkit_replied(sd_bus_message *reply, void *user, sd_bus_error *ret_error)
{
	struct auth_ctx *a = user;
	int authorized = 0, challenge = 0, r;

	(void)ret_error;
	if (sd_bus_message_is_method_error(reply, NULL)) {
		const sd_bus_error *e = sd_bus_message_get_error(reply);

		r = sd_bus_reply_method_errorf(a->m, ERR_PREFIX "PermissionDenied",
		                               "not root, and polkit could not authorize %s: %s",
		                               ACRND_POLKIT_ACTION,
		                               e && e->message ? e->message : "");
	} else if (sd_bus_message_enter_container(reply, 'r', "bba{ss}") < 0 ||
	           sd_bus_message_read(reply, "bb", &authorized, &challenge) < 0) {
		r = sd_bus_reply_method_errorf(a->m, ERR_PREFIX "PermissionDenied",
		                               "polkit's answer could not be read");
	} else if (!authorized) {
		r = sd_bus_reply_method_errorf(
		        a->m, ERR_PREFIX "PermissionDenied", "polkit denies %s to this caller%s",
		        ACRND_POLKIT_ACTION, challenge ? " (authentication required)" : "");
	} else {
		r = run_authorized(a);
	}
	auth_free(a);
	return r < 0 ? r : 1;
}

/*
 * Run @fn for @m if the caller may change VMs: root; acrnd's own uid in
 * session mode; otherwise polkit's CheckAuthorization decides (asynchronously).
 */
static int authorize(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm, handler_fn fn)
{
	struct auth_ctx now = { .m = m, .s = s, .fn = fn };
	struct auth_ctx *a;
	sd_bus_creds *c = NULL;
	uid_t uid = (uid_t)-1;
	int r;

	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &c);
	if (r >= 0)
		r = sd_bus_creds_get_euid(c, &uid);
	sd_bus_creds_unref(c);
	if (r >= 0 && (uid == 0 || (s->session && uid == getuid()))) {
		now.vm_name = vm ? (char *)acrnd_vm_name(vm) : NULL;
		return run_authorized(&now);
	}
	if (s->session)
		return sd_bus_reply_method_errorf(m, ERR_PREFIX "PermissionDenied",
		                                  "this acrnd (session mode) serves only uid %u",
		                                  (unsigned)getuid());
	a = g_new0(struct auth_ctx, 1);
	a->m = sd_bus_message_ref(m);
	a->s = s;
	a->fn = fn;
	a->vm_name = vm ? g_strdup(acrnd_vm_name(vm)) : NULL;
	r = sd_bus_call_method_async(
	        s->bus, &a->slot, "org.freedesktop.PolicyKit1",
	        "/org/freedesktop/PolicyKit1/Authority", "org.freedesktop.PolicyKit1.Authority",
	        "CheckAuthorization", polkit_replied, a, "(sa{sv})sa{ss}us", "system-bus-name", 1,
	        "name", "s", sd_bus_message_get_sender(m), ACRND_POLKIT_ACTION, 0,
	        sd_bus_message_get_allow_interactive_authorization(m) ? 1 : 0, "");
	if (r < 0) {
		auth_free(a);
		return sd_bus_reply_method_errorf(m, ERR_PREFIX "PermissionDenied",
		                                  "not root, and polkit is unreachable: %s",
		                                  g_strerror(-r));
	}
	return 1;
}

/* ---- the manager ---- */

static int do_define(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *unused)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL;
	struct acrnd_vm *vm = NULL;
	const char *xml;
	int r;

	(void)unused;
	r = sd_bus_message_read(m, "s", &xml);
	if (r < 0)
		return r;
	r = acrnd_manager_define(s->mgr, xml, strlen(xml), &vm, &err);
	if (r < 0)
		return reply_error(m, r, err);
	path = vm_path(acrnd_vm_name(vm));
	return sd_bus_reply_method_return(m, "o", path);
}

static int do_undefine(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *unused)
{
	g_autoptr(GError) err = NULL;
	const char *name;
	int r;

	(void)unused;
	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	r = acrnd_manager_undefine(s->mgr, name, &err);
	if (r < 0)
		return reply_error(m, r, err);
	return sd_bus_reply_method_return(m, "");
}

static int m_define(sd_bus_message *m, void *user, sd_bus_error *e)
{
	(void)e;
	return authorize(m, user, NULL, do_define);
}

static int m_undefine(sd_bus_message *m, void *user, sd_bus_error *e)
{
	(void)e;
	return authorize(m, user, NULL, do_undefine);
}

static int m_list(sd_bus_message *m, void *user, sd_bus_error *e)
{
	struct acrnd_service *s = user;
	g_autoptr(GPtrArray) vms = acrnd_manager_list(s->mgr);
	sd_bus_message *reply = NULL;
	int r;

	(void)e;
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(ssso)");
	for (guint i = 0; r >= 0 && i < vms->len; i++) {
		struct acrnd_vm *vm = vms->pdata[i];
		g_autofree char *path = vm_path(acrnd_vm_name(vm));

		r = sd_bus_message_append(reply, "(ssso)", acrnd_vm_name(vm),
		                          acrnd_vm_def(vm)->uuid,
		                          acrnd_state_to_string(acrnd_vm_state(vm)), path);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}

static int m_get(sd_bus_message *m, void *user, sd_bus_error *e)
{
	struct acrnd_service *s = user;
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL;
	const char *name;
	int r;

	(void)e;
	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	if (acrnd_name_check(name, &err) < 0)
		return reply_error(m, -EINVAL, err);
	if (!acrnd_manager_lookup(s->mgr, name, &err))
		return reply_error(m, -ENOENT, err);
	path = vm_path(name);
	return sd_bus_reply_method_return(m, "o", path);
}

static int p_version(sd_bus *bus, const char *path, const char *iface, const char *prop,
                     sd_bus_message *reply, void *user, sd_bus_error *e)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)user, (void)e;
	return sd_bus_message_append(reply, "s", ACRND_VERSION);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Version", "s", p_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_METHOD_WITH_ARGS("DefineVM", SD_BUS_ARGS("s", xml), SD_BUS_RESULT("o", vm), m_define,
	                        SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("UndefineVM", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, m_undefine,
	                        SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListVMs", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", vms), m_list,
	                        SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetVM", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", vm), m_get,
	                        SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("VMAdded", SD_BUS_ARGS("s", name, "o", vm), 0),
	SD_BUS_SIGNAL_WITH_ARGS("VMRemoved", SD_BUS_ARGS("s", name, "o", vm), 0),
	SD_BUS_VTABLE_END,
};

/* ---- one object per VM ---- */

static int vm_find(sd_bus *bus, const char *path, const char *iface, void *user, void **found,
                   sd_bus_error *e)
{
	struct acrnd_service *s = user;
	g_autofree char *name = NULL;
	struct acrnd_vm *vm;

	(void)bus, (void)iface, (void)e;
	if (sd_bus_path_decode(path, ACRND_VM_PREFIX, &name) <= 0)
		return 0;
	vm = acrnd_manager_lookup(s->mgr, name, NULL);
	if (!vm)
		return 0;
	*found = vm;
	return 1;
}

static int vm_enumerate(sd_bus *bus, const char *prefix, void *user, char ***nodes, sd_bus_error *e)
{
	struct acrnd_service *s = user;
	g_autoptr(GPtrArray) vms = acrnd_manager_list(s->mgr);
	char **l = calloc(vms->len + 1, sizeof(char *)); /* sd-bus frees it with free() */

	(void)bus, (void)prefix, (void)e;
	if (!l)
		return -ENOMEM;
	for (guint i = 0; i < vms->len; i++) {
		char *p = NULL;

		if (sd_bus_path_encode(ACRND_VM_PREFIX, acrnd_vm_name(vms->pdata[i]), &p) < 0)
			break;
		l[i] = p;
	}
	*nodes = l;
	return 0;
}

#define VM_GETTER(fn, sig, expr)                                                          \
	static int fn(sd_bus *bus, const char *path, const char *iface, const char *prop, \
	              sd_bus_message *reply, void *user, sd_bus_error *e)                 \
	{                                                                                 \
		struct acrnd_vm *vm = user;                                               \
		(void)bus, (void)path, (void)iface, (void)prop, (void)e;                  \
		return sd_bus_message_append(reply, sig, expr);                           \
	}

VM_GETTER(p_name, "s", acrnd_vm_name(vm))
VM_GETTER(p_uuid, "s", acrnd_vm_def(vm)->uuid)
VM_GETTER(p_state, "s", acrnd_state_to_string(acrnd_vm_state(vm)))
VM_GETTER(p_autostart, "b", acrnd_vm_autostart(vm))
VM_GETTER(p_vcpus, "u", acrnd_vm_def(vm)->vcpus)
VM_GETTER(p_memory, "t", acrnd_vm_def(vm)->memory_mib)
VM_GETTER(p_pid, "u", (uint32_t)acrnd_vm_pid(vm))
VM_GETTER(p_console_pty, "s", acrnd_vm_console_pty(vm) ? acrnd_vm_console_pty(vm) : "")

static int p_definition(sd_bus *bus, const char *path, const char *iface, const char *prop,
                        sd_bus_message *reply, void *user, sd_bus_error *e)
{
	g_autofree char *xml = acrnd_vm_definition(user);

	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	return sd_bus_message_append(reply, "s", xml);
}

static int set_autostart(sd_bus *bus, const char *path, const char *iface, const char *prop,
                         sd_bus_message *value, void *user, sd_bus_error *e)
{
	g_autoptr(GError) err = NULL;
	sd_bus_message *m = sd_bus_get_current_message(bus);
	sd_bus_creds *c = NULL;
	uid_t uid = (uid_t)-1;
	int on, r;

	(void)path, (void)iface, (void)prop;
	/* A property setter cannot wait for polkit: SetAutostart() can. */
	if (sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &c) >= 0)
		sd_bus_creds_get_euid(c, &uid);
	sd_bus_creds_unref(c);
	if (uid != 0 && uid != getuid())
		return sd_bus_error_setf(e, ERR_PREFIX "PermissionDenied",
		                         "only root may set Autostart directly; call SetAutostart");
	r = sd_bus_message_read(value, "b", &on);
	if (r < 0)
		return r;
	r = acrnd_vm_set_autostart(user, on, &err);
	if (r < 0)
		return sd_bus_error_setf(e, error_name(r), "%s", err->message);
	return 0;
}

static void op_done(int rc, const GError *err, void *user)
{
	sd_bus_message *m = user;

	if (rc)
		reply_error(m, rc, err);
	else
		sd_bus_reply_method_return(m, "");
	sd_bus_message_unref(m);
}

#define VM_OP(name, call)                                                                     \
	static int do_##name(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm) \
	{                                                                                     \
		(void)s;                                                                      \
		call(vm, op_done, sd_bus_message_ref(m));                                     \
		return 1;                                                                     \
	}                                                                                     \
	static int m_##name(sd_bus_message *m, void *user, sd_bus_error *e)                   \
	{                                                                                     \
		(void)e;                                                                      \
		return authorize(m, the_service, user, do_##name);                            \
	}

VM_OP(start, acrnd_vm_start)
VM_OP(destroy, acrnd_vm_destroy)
VM_OP(reboot, acrnd_vm_reboot)
VM_OP(pause, acrnd_vm_pause)
VM_OP(resume, acrnd_vm_resume)
VM_OP(suspend, acrnd_vm_suspend)
VM_OP(wakeup, acrnd_vm_wakeup)

static int do_shutdown(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm)
{
	uint32_t timeout;
	int r;

	(void)s;
	r = sd_bus_message_read(m, "u", &timeout);
	if (r < 0)
		return r;
	acrnd_vm_shutdown(vm, timeout, op_done, sd_bus_message_ref(m));
	return 1;
}

static int m_shutdown(sd_bus_message *m, void *user, sd_bus_error *e)
{
	(void)e;
	return authorize(m, the_service, user, do_shutdown);
}

static int do_set_autostart(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm)
{
	g_autoptr(GError) err = NULL;
	int on, r;

	(void)s;
	r = sd_bus_message_read(m, "b", &on);
	if (r < 0)
		return r;
	r = acrnd_vm_set_autostart(vm, on, &err);
	if (r < 0)
		return reply_error(m, r, err);
	return sd_bus_reply_method_return(m, "");
}

static int m_set_autostart(sd_bus_message *m, void *user, sd_bus_error *e)
{
	(void)e;
	return authorize(m, the_service, user, do_set_autostart);
}

/* ---- BlockRescan: acrn-dm's blkrescan for one disk ---- */

static int do_block_rescan(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm)
{
	const char *device, *path;
	int r;

	(void)s;
	r = sd_bus_message_read(m, "ss", &device, &path);
	if (r < 0)
		return r;
	acrnd_vm_block_rescan(vm, device, path, op_done, sd_bus_message_ref(m));
	return 1;
}

static int m_block_rescan(sd_bus_message *m, void *user, sd_bus_error *e)
{
	(void)e;
	return authorize(m, the_service, user, do_block_rescan);
}

#define EMITS  SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define UNPRIV SD_BUS_VTABLE_UNPRIVILEGED

static const sd_bus_vtable vm_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Name", "s", p_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("UUID", "s", p_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("State", "s", p_state, 0, EMITS),
	SD_BUS_WRITABLE_PROPERTY("Autostart", "b", p_autostart, set_autostart, 0, EMITS | UNPRIV),
	SD_BUS_PROPERTY("VCPUs", "u", p_vcpus, 0, EMITS),
	SD_BUS_PROPERTY("MemoryMiB", "t", p_memory, 0, EMITS),
	SD_BUS_PROPERTY("Definition", "s", p_definition, 0, EMITS),
	SD_BUS_PROPERTY("PID", "u", p_pid, 0, EMITS),
	SD_BUS_PROPERTY("ConsolePTY", "s", p_console_pty, 0, EMITS),
	SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, m_start, UNPRIV),
	SD_BUS_METHOD_WITH_ARGS("Shutdown", SD_BUS_ARGS("u", timeout_s), SD_BUS_NO_RESULT,
	                        m_shutdown, UNPRIV),
	SD_BUS_METHOD_WITH_ARGS("Destroy", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, m_destroy, UNPRIV),
	SD_BUS_METHOD_WITH_ARGS("Reboot", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, m_reboot, UNPRIV),
	SD_BUS_METHOD_WITH_ARGS("Pause", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, m_pause, UNPRIV),
	SD_BUS_METHOD_WITH_ARGS("Resume", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, m_resume, UNPRIV),
	SD_BUS_METHOD_WITH_ARGS("Suspend", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, m_suspend, UNPRIV),
	SD_BUS_METHOD_WITH_ARGS("Wakeup", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, m_wakeup, UNPRIV),
	SD_BUS_METHOD_WITH_ARGS("SetAutostart", SD_BUS_ARGS("b", autostart), SD_BUS_NO_RESULT,
	                        m_set_autostart, UNPRIV),
	SD_BUS_METHOD_WITH_ARGS("BlockRescan", SD_BUS_ARGS("s", device, "s", path),
	                        SD_BUS_NO_RESULT, m_block_rescan, UNPRIV),
	SD_BUS_SIGNAL_WITH_ARGS("StateChanged", SD_BUS_ARGS("s", state, "s", reason), 0),
	SD_BUS_SIGNAL_WITH_ARGS("Event", SD_BUS_ARGS("s", name, "s", details_json), 0),
	DBUS_SNAPSHOT_VTABLE,
	SD_BUS_VTABLE_END,
};

/* ---- the core's events → signals ---- */

static void on_added(struct acrnd_vm *vm, void *user)
{
	struct acrnd_service *s = user;
	g_autofree char *path = vm_path(acrnd_vm_name(vm));

	sd_bus_emit_object_added(s->bus, path);
	sd_bus_emit_signal(s->bus, ACRND_PATH, ACRND_IFACE_MGR, "VMAdded", "so", acrnd_vm_name(vm),
	                   path);
}

static void on_removed(struct acrnd_vm *vm, void *user)
{
	struct acrnd_service *s = user;
	g_autofree char *path = vm_path(acrnd_vm_name(vm));

	sd_bus_emit_signal(s->bus, ACRND_PATH, ACRND_IFACE_MGR, "VMRemoved", "so",
	                   acrnd_vm_name(vm), path);
	sd_bus_emit_object_removed(s->bus, path);
}

static void on_changed(struct acrnd_vm *vm, const char *property, void *user)
{
	struct acrnd_service *s = user;
	g_autofree char *path = vm_path(acrnd_vm_name(vm));

	if (!strcmp(property, "Definition"))
		sd_bus_emit_properties_changed(s->bus, path, ACRND_IFACE_VM, "Definition", "VCPUs",
		                               "MemoryMiB", NULL);
	else if (!strcmp(property, "ConsolePTY")) /* the live Definition shows it too */
		sd_bus_emit_properties_changed(s->bus, path, ACRND_IFACE_VM, "ConsolePTY",
		                               "Definition", NULL);
	else
		sd_bus_emit_properties_changed(s->bus, path, ACRND_IFACE_VM, property, NULL);
}

static void on_state(struct acrnd_vm *vm, enum acrnd_state state, const char *reason, void *user)
{
	struct acrnd_service *s = user;
	g_autofree char *path = vm_path(acrnd_vm_name(vm));

	sd_bus_emit_properties_changed(s->bus, path, ACRND_IFACE_VM, "State", "PID", NULL);
	sd_bus_emit_signal(s->bus, path, ACRND_IFACE_VM, "StateChanged", "ss",
	                   acrnd_state_to_string(state), reason);
}

static void on_event(struct acrnd_vm *vm, const char *name, const char *details, void *user)
{
	struct acrnd_service *s = user;
	g_autofree char *path = vm_path(acrnd_vm_name(vm));

	sd_bus_emit_signal(s->bus, path, ACRND_IFACE_VM, "Event", "ss", name, details);
}

static const struct acrnd_listener listener = {
	.vm_added = on_added,
	.vm_removed = on_removed,
	.vm_changed = on_changed,
	.state_changed = on_state,
	.vm_event = on_event,
	.snapshot_changed = dbus_snapshot_changed,
};

int acrnd_service_new(sd_bus *bus, struct acrnd_manager *m, bool session,
                      struct acrnd_service **ret)
{
	struct acrnd_service *s = g_new0(struct acrnd_service, 1);
	int r;

	s->bus = sd_bus_ref(bus);
	s->mgr = m;
	s->session = session;
	the_service = s;
	r = sd_bus_add_object_vtable(bus, &s->slots[0], ACRND_PATH, ACRND_IFACE_MGR, manager_vtable,
	                             s);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(bus, &s->slots[1], ACRND_VM_PREFIX, ACRND_IFACE_VM,
		                               vm_vtable, vm_find, s);
	if (r >= 0)
		r = sd_bus_add_node_enumerator(bus, &s->slots[2], ACRND_VM_PREFIX, vm_enumerate, s);
	if (r >= 0)
		r = sd_bus_add_object_manager(bus, &s->slots[3], ACRND_PATH);
	if (r < 0) {
		acrnd_service_free(s);
		return r;
	}
	acrnd_manager_subscribe(m, &listener, s);
	*ret = s;
	return 0;
}

void acrnd_service_free(struct acrnd_service *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(s->slots); i++)
		sd_bus_slot_unref(s->slots[i]);
	sd_bus_unref(s->bus);
	if (the_service == s)
		the_service = NULL;
	g_free(s);
}

/* ---- lent to the snapshot binding (snapshot.c) ---- */

int service_authorize(sd_bus_message *m, struct acrnd_vm *vm, service_handler_fn fn)
{
	return authorize(m, the_service, vm, fn);
}

int service_reply_error(sd_bus_message *m, int rc, const GError *err)
{
	return reply_error(m, rc, err);
}

sd_bus *service_bus(struct acrnd_service *s)
{
	return s->bus;
}

char *service_vm_path(const char *name)
{
	return vm_path(name);
}
