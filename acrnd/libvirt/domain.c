/* SPDX-License-Identifier: BSD-3-Clause */
/* Domain procedures: libvirt's view (ids, states, reasons) of the core's VMs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lv_priv.h"

/* virDomainState */
enum {
	DS_NOSTATE = 0,
	DS_RUNNING = 1,
	DS_PAUSED = 3,
	DS_SHUTDOWN = 4,
	DS_SHUTOFF = 5,
	DS_CRASHED = 6,
	DS_PMSUSPENDED = 7,
};

/* virConnectListAllDomainsFlags */
enum {
	LIST_ACTIVE = 1 << 0,
	LIST_INACTIVE = 1 << 1,
	LIST_PERSISTENT = 1 << 2,
	LIST_TRANSIENT = 1 << 3,
	LIST_RUNNING = 1 << 4,
	LIST_PAUSED = 1 << 5,
	LIST_SHUTOFF = 1 << 6,
	LIST_OTHER = 1 << 7,
	LIST_MANAGEDSAVE = 1 << 8,
	LIST_NO_MANAGEDSAVE = 1 << 9,
	LIST_AUTOSTART = 1 << 10,
	LIST_NO_AUTOSTART = 1 << 11,
	LIST_HAS_SNAPSHOT = 1 << 12,
	LIST_NO_SNAPSHOT = 1 << 13,
};

static bool uuid_parse(const char *s, uint8_t out[LV_UUID_LEN])
{
	size_t n = 0;

	for (; *s && n < 2 * LV_UUID_LEN; s++) {
		int v = g_ascii_xdigit_value(*s);

		if (*s == '-')
			continue;
		if (v < 0)
			return false;
		if (n % 2 == 0)
			out[n / 2] = v << 4;
		else
			out[n / 2] |= v;
		n++;
	}
	return n == 2 * LV_UUID_LEN && !*s;
}

static void uuid_format(const uint8_t u[LV_UUID_LEN], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
	         u[13], u[14], u[15]);
}

struct lv_vminfo *lv_vminfo(struct acrnd_libvirt *srv, struct acrnd_vm *vm)
{
	struct lv_vminfo *i = g_hash_table_lookup(srv->vminfo, vm);
	enum acrnd_state s = acrnd_vm_state(vm);

	if (!i) {
		i = g_new0(struct lv_vminfo, 1);
		i->id = -1;
		i->last_core_state = s;
		g_hash_table_insert(srv->vminfo, vm, i);
	}
	if (acrnd_state_is_active(s) && i->id < 0)
		i->id = srv->next_dom_id++;
	else if (!acrnd_state_is_active(s))
		i->id = -1;
	return i;
}

/* virDomainState and reason of @vm: the reason the events recorded if it still applies. */
void lv_domain_state(struct acrnd_libvirt *srv, struct acrnd_vm *vm, int *state, int *reason)
{
	struct lv_vminfo *i = lv_vminfo(srv, vm);

	switch (acrnd_vm_state(vm)) {
	case ACRND_STATE_SHUTOFF:
		*state = DS_SHUTOFF;
		break;
	case ACRND_STATE_STARTING:
		*state = DS_PAUSED;
		*reason = 11; /* VIR_DOMAIN_PAUSED_STARTING_UP */
		return;
	case ACRND_STATE_RUNNING:
		*state = DS_RUNNING;
		break;
	case ACRND_STATE_PAUSED:
		*state = DS_PAUSED;
		break;
	case ACRND_STATE_SHUTTING_DOWN:
		*state = DS_SHUTDOWN;
		break;
	case ACRND_STATE_CRASHED:
		*state = DS_CRASHED;
		break;
	case ACRND_STATE_SUSPENDED:
		*state = DS_PMSUSPENDED;
		break;
	default:
		*state = DS_NOSTATE;
		break;
	}
	*reason = i->state == *state ? i->reason : 0;
}

void lv_put_domain(GByteArray *b, struct acrnd_libvirt *srv, struct acrnd_vm *vm)
{
	uint8_t uuid[LV_UUID_LEN] = { 0 };

	uuid_parse(acrnd_vm_def(vm)->uuid, uuid);
	lv_put_string(b, acrnd_vm_name(vm));
	lv_put_fixed(b, uuid, LV_UUID_LEN);
	lv_put_i32(b, lv_vminfo(srv, vm)->id);
}

struct acrnd_vm *lv_find_uuid(struct acrnd_libvirt *srv, const uint8_t uuid[LV_UUID_LEN])
{
	g_autoptr(GPtrArray) vms = acrnd_manager_list(srv->mgr);

	for (guint i = 0; i < vms->len; i++) {
		uint8_t u[LV_UUID_LEN];

		if (uuid_parse(acrnd_vm_def(vms->pdata[i])->uuid, u) && !memcmp(u, uuid, sizeof(u)))
			return vms->pdata[i];
	}
	return NULL;
}

/*
 * Decode a remote_nonnull_domain and find its VM (by UUID, as libvirt does).
 * <0: malformed; 0 with *@vm NULL: an error was replied.
 */
int lv_dom_arg(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
               struct acrnd_vm **vm)
{
	g_autofree char *name = NULL;
	uint8_t uuid[LV_UUID_LEN];
	char text[37];
	int32_t id;
	int r = lv_get_string(in, LV_STRING_MAX, &name);

	*vm = NULL;
	if (!r)
		r = lv_get_fixed(in, uuid, sizeof(uuid));
	if (!r)
		r = lv_get_i32(in, &id);
	if (r)
		return r;
	*vm = lv_find_uuid(c->srv, uuid);
	if (!*vm) {
		uuid_format(uuid, text);
		lv_reply_error(c, h, LV_ERR_NO_DOMAIN, "no domain with matching uuid '%s' (%s)",
		               text, name);
	}
	return 0;
}

/* lv_dom_arg followed by a flags word. */
static int dom_flags_arg(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
                         struct acrnd_vm **vm, uint32_t *flags)
{
	int r = lv_dom_arg(c, h, in, vm);

	if (!r)
		r = lv_get_u32(in, flags);
	if (r)
		*vm = NULL;
	return r;
}

static void reply_dom(struct lv_client *c, const struct lv_header *h, struct acrnd_vm *vm)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_domain(b, c->srv, vm);
	lv_reply(c, h, b);
}

static void reply_int(struct lv_client *c, const struct lv_header *h, int32_t v)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_i32(b, v);
	lv_reply(c, h, b);
}

/* ---- lookups and lists ---- */

static int lookup_by_name(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autofree char *name = NULL;
	struct acrnd_vm *vm;
	int r = lv_get_string(in, LV_STRING_MAX, &name);

	if (r)
		return r;
	vm = acrnd_manager_lookup(c->srv->mgr, name, NULL);
	if (vm)
		reply_dom(c, h, vm);
	else
		lv_reply_error(c, h, LV_ERR_NO_DOMAIN, "no domain with matching name '%s'", name);
	return 0;
}

static int lookup_by_uuid(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	uint8_t uuid[LV_UUID_LEN];
	char text[37];
	struct acrnd_vm *vm;
	int r = lv_get_fixed(in, uuid, sizeof(uuid));

	if (r)
		return r;
	vm = lv_find_uuid(c->srv, uuid);
	if (vm) {
		reply_dom(c, h, vm);
	} else {
		uuid_format(uuid, text);
		lv_reply_error(c, h, LV_ERR_NO_DOMAIN, "no domain with matching uuid '%s'", text);
	}
	return 0;
}

static int lookup_by_id(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autoptr(GPtrArray) vms = acrnd_manager_list(c->srv->mgr);
	int32_t id;
	int r = lv_get_i32(in, &id);

	if (r)
		return r;
	for (guint i = 0; id >= 0 && i < vms->len; i++) {
		if (lv_vminfo(c->srv, vms->pdata[i])->id == id) {
			reply_dom(c, h, vms->pdata[i]);
			return 0;
		}
	}
	lv_reply_error(c, h, LV_ERR_NO_DOMAIN, "no domain with matching id %d", id);
	return 0;
}

bool lv_list_match(struct acrnd_libvirt *srv, struct acrnd_vm *vm, uint32_t flags)
{
	bool active = acrnd_state_is_active(acrnd_vm_state(vm));
	bool autostart = acrnd_vm_autostart(vm);
	int state, reason;

	if ((flags & (LIST_ACTIVE | LIST_INACTIVE)) &&
	    !(flags & (active ? LIST_ACTIVE : LIST_INACTIVE)))
		return false;
	/* Every VM is persistent; none has a managed save image. */
	if ((flags & (LIST_PERSISTENT | LIST_TRANSIENT)) && !(flags & LIST_PERSISTENT))
		return false;
	if ((flags & (LIST_MANAGEDSAVE | LIST_NO_MANAGEDSAVE)) && !(flags & LIST_NO_MANAGEDSAVE))
		return false;
	if ((flags & (LIST_AUTOSTART | LIST_NO_AUTOSTART)) &&
	    !(flags & (autostart ? LIST_AUTOSTART : LIST_NO_AUTOSTART)))
		return false;
	if (flags & (LIST_RUNNING | LIST_PAUSED | LIST_SHUTOFF | LIST_OTHER)) {
		lv_domain_state(srv, vm, &state, &reason);
		if (state == DS_RUNNING)
			return flags & LIST_RUNNING;
		if (state == DS_PAUSED)
			return flags & LIST_PAUSED;
		if (state == DS_SHUTOFF)
			return flags & LIST_SHUTOFF;
		return flags & LIST_OTHER;
	}
	return true;
}

static int list_all(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autoptr(GPtrArray) vms = acrnd_manager_list(c->srv->mgr);
	g_autoptr(GPtrArray) hits = g_ptr_array_new();
	g_autoptr(GByteArray) b = g_byte_array_new();
	int32_t need_results;
	uint32_t flags;
	int r = lv_get_i32(in, &need_results);

	if (!r)
		r = lv_get_u32(in, &flags);
	if (r)
		return r;
	if (flags & (LIST_HAS_SNAPSHOT | LIST_NO_SNAPSHOT)) {
		lv_reply_error(c, h, LV_ERR_NO_SUPPORT, "listing by snapshots");
		return 0;
	}
	for (guint i = 0; i < vms->len; i++)
		if (lv_list_match(c->srv, vms->pdata[i], flags))
			g_ptr_array_add(hits, vms->pdata[i]);
	lv_put_u32(b, need_results ? hits->len : 0);
	for (guint i = 0; need_results && i < hits->len; i++)
		lv_put_domain(b, c->srv, hits->pdata[i]);
	lv_put_u32(b, hits->len);
	lv_reply(c, h, b);
	return 0;
}

static unsigned count(struct acrnd_libvirt *srv, bool active)
{
	g_autoptr(GPtrArray) vms = acrnd_manager_list(srv->mgr);
	unsigned n = 0;

	for (guint i = 0; i < vms->len; i++)
		n += acrnd_state_is_active(acrnd_vm_state(vms->pdata[i])) == active;
	return n;
}

static int num_of_domains(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	reply_int(c, h, count(c->srv, true));
	return 0;
}

static int num_of_defined(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	reply_int(c, h, count(c->srv, false));
	return 0;
}

/* The legacy lists (ids of active, names of inactive VMs) for old clients. */
static int list_legacy(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
                       bool active)
{
	g_autoptr(GPtrArray) vms = acrnd_manager_list(c->srv->mgr);
	g_autoptr(GByteArray) body = g_byte_array_new();
	g_autoptr(GByteArray) b = g_byte_array_new();
	uint32_t n = 0;
	int32_t max;
	int r = lv_get_i32(in, &max);

	if (r)
		return r;
	if (max < 0 || (uint32_t)max > LV_DOMAINS_MAX) {
		lv_reply_error(c, h, LV_ERR_RPC, "too many domains requested (%d > %u)", max,
		               LV_DOMAINS_MAX);
		return 0;
	}
	for (guint i = 0; i < vms->len && n < (uint32_t)max; i++) {
		struct acrnd_vm *vm = vms->pdata[i];

		if (acrnd_state_is_active(acrnd_vm_state(vm)) != active)
			continue;
		if (active)
			lv_put_i32(body, lv_vminfo(c->srv, vm)->id);
		else
			lv_put_string(body, acrnd_vm_name(vm));
		n++;
	}
	lv_put_u32(b, n);
	g_byte_array_append(b, body->data, body->len);
	lv_reply(c, h, b);
	return 0;
}

static int list_domains(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	return list_legacy(c, h, in, true);
}

static int list_defined(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	return list_legacy(c, h, in, false);
}

/* ---- per-domain queries ---- */

#define DOM_QUERY(fn, with_flags, ...)                                                  \
	static int fn(struct lv_client *c, const struct lv_header *h, struct lv_in *in) \
	{                                                                               \
		struct acrnd_vm *vm;                                                    \
		uint32_t flags = 0;                                                     \
		int r = with_flags ? dom_flags_arg(c, h, in, &vm, &flags)               \
		                   : lv_dom_arg(c, h, in, &vm);                         \
		(void)flags;                                                            \
		if (r || !vm)                                                           \
			return r;                                                       \
		__VA_ARGS__;                                                            \
		return 0;                                                               \
	}

bool lv_cpu_time_ns(pid_t pid, uint64_t *ns)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *text = NULL;
	g_auto(GStrv) f = NULL;
	const char *p;
	long tck = sysconf(_SC_CLK_TCK);

	*ns = 0;
	if (pid <= 0 || tck <= 0 || !g_file_get_contents(path, &text, NULL, NULL))
		return false;
	p = strrchr(text, ')'); /* the command name may hold spaces */
	if (!p)
		return false;
	f = g_strsplit(p + 2, " ", 16);
	if (g_strv_length(f) < 13)
		return false;
	/* utime and stime, fields 14 and 15 of the line (11 and 12 after the name). */
	*ns = (g_ascii_strtoull(f[11], NULL, 10) + g_ascii_strtoull(f[12], NULL, 10)) *
	      (1000000000ull / tck);
	return true;
}

DOM_QUERY(get_info, false, {
	g_autoptr(GByteArray) b = g_byte_array_new();
	const struct acrnd_def *d = acrnd_vm_def(vm);
	int state, reason;
	uint64_t ns;

	lv_domain_state(c->srv, vm, &state, &reason);
	lv_put_u32(b, state);
	lv_put_u64(b, d->memory_mib * 1024);
	lv_put_u64(b, acrnd_state_is_active(acrnd_vm_state(vm)) ? d->memory_mib * 1024 : 0);
	lv_put_u32(b, d->vcpus);
	lv_cpu_time_ns(acrnd_vm_pid(vm), &ns);
	lv_put_u64(b, ns);
	lv_reply(c, h, b);
})

DOM_QUERY(get_state, true, {
	g_autoptr(GByteArray) b = g_byte_array_new();
	int state, reason;

	lv_domain_state(c->srv, vm, &state, &reason);
	lv_put_i32(b, state);
	lv_put_i32(b, reason);
	lv_reply(c, h, b);
})

DOM_QUERY(get_os_type, false, {
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_string(b, "hvm");
	lv_reply(c, h, b);
})

DOM_QUERY(get_max_memory, false, {
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_u64(b, acrnd_vm_def(vm)->memory_mib * 1024);
	lv_reply(c, h, b);
})

DOM_QUERY(get_max_vcpus, false, reply_int(c, h, acrnd_vm_def(vm)->vcpus))

/* virDomainVcpuFlags: LIVE 1, CONFIG 2, MAXIMUM 4, GUEST 8. No hot-plug: all the same count. */
DOM_QUERY(get_vcpus_flags, true, {
	if (flags & 8)
		lv_reply_error(c, h, LV_ERR_OPERATION_UNSUPPORTED,
		               "acrnd has no guest agent to ask for vCPUs");
	else if ((flags & 1) && !acrnd_state_is_active(acrnd_vm_state(vm)))
		lv_reply_error(c, h, LV_ERR_OPERATION_INVALID, "domain '%s' is not running",
		               acrnd_vm_name(vm));
	else
		reply_int(c, h, acrnd_vm_def(vm)->vcpus);
})
DOM_QUERY(is_active, false, reply_int(c, h, acrnd_state_is_active(acrnd_vm_state(vm))))
DOM_QUERY(is_persistent, false, reply_int(c, h, 1))
DOM_QUERY(is_updated, false, reply_int(c, h, 0))
DOM_QUERY(get_autostart, false, reply_int(c, h, acrnd_vm_autostart(vm)))
DOM_QUERY(has_managed_save, true, reply_int(c, h, 0))

DOM_QUERY(get_messages, true, {
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_u32(b, 0);
	lv_reply(c, h, b);
})

/* virDomainXMLFlags: SECURE, INACTIVE, UPDATE_CPU, MIGRATABLE. */
enum {
	XML_INACTIVE = 1 << 1,
	XML_KNOWN = 0xf
};

DOM_QUERY(get_xml_desc, true, {
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autofree char *xml = NULL;

	if (flags & ~(uint32_t)XML_KNOWN) {
		lv_reply_error(c, h, LV_ERR_INVALID_ARG, "unsupported flags (%#x) for the XML",
		               flags & ~(uint32_t)XML_KNOWN);
		return 0;
	}
	/* The stored definition, or while active the live one (ptys, aliases). */
	xml = flags & XML_INACTIVE ? acrnd_def_format(acrnd_vm_def(vm)) : acrnd_vm_definition(vm);
	lv_put_string(b, xml);
	lv_reply(c, h, b);
})

static int set_autostart(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autoptr(GError) err = NULL;
	struct acrnd_vm *vm;
	int32_t on;
	int r = lv_dom_arg(c, h, in, &vm);

	if (!r)
		r = lv_get_i32(in, &on);
	if (r || !vm)
		return r;
	r = acrnd_vm_set_autostart(vm, on != 0, &err);
	if (r < 0)
		lv_reply_errno(c, h, r, err);
	else
		lv_reply(c, h, NULL);
	return 0;
}

/* ---- define and undefine ---- */

static int define_common(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
                         bool with_flags)
{
	g_autofree char *xml = NULL;
	g_autoptr(GError) err = NULL;
	struct acrnd_vm *vm = NULL;
	uint32_t flags = 0;
	int r = lv_get_string(in, LV_STRING_MAX, &xml);

	if (!r && with_flags)
		r = lv_get_u32(in, &flags);
	if (r)
		return r;
	r = acrnd_manager_define(c->srv->mgr, xml, strlen(xml), &vm, &err);
	if (r == -EINVAL)
		lv_reply_error(c, h, LV_ERR_XML_ERROR, "%s", err ? err->message : "invalid XML");
	else if (r < 0)
		lv_reply_errno(c, h, r, err);
	else
		reply_dom(c, h, vm);
	return 0;
}

static int define_xml(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	return define_common(c, h, in, false);
}

static int define_xml_flags(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	return define_common(c, h, in, true);
}

static int undefine_common(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
                           bool with_flags)
{
	g_autoptr(GError) err = NULL;
	struct acrnd_vm *vm;
	uint32_t flags = 0;
	int r = with_flags ? dom_flags_arg(c, h, in, &vm, &flags) : lv_dom_arg(c, h, in, &vm);
	g_autofree char *name = NULL;

	if (r || !vm)
		return r;
	name = g_strdup(acrnd_vm_name(vm));
	r = acrnd_manager_undefine(c->srv->mgr, name, &err);
	if (r < 0)
		lv_reply_errno(c, h, r, err);
	else
		lv_reply(c, h, NULL);
	return 0;
}

static int undefine(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	return undefine_common(c, h, in, false);
}

static int undefine_flags(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	return undefine_common(c, h, in, true);
}

/* ---- lifecycle: the reply waits for the core ---- */

struct op {
	struct lv_client *c;
	struct lv_header h;
	char *name;
	bool reply_dom;
};

static void op_done(int rc, const GError *err, void *user)
{
	struct op *o = user;
	struct acrnd_vm *vm;

	if (o->c->dead) {
		/* The client went away; the operation still happened. */
	} else if (rc) {
		lv_reply_errno(o->c, &o->h, rc, err);
	} else if (o->reply_dom) {
		vm = acrnd_manager_lookup(o->c->srv->mgr, o->name, NULL);
		if (vm)
			reply_dom(o->c, &o->h, vm);
		else
			lv_reply_error(o->c, &o->h, LV_ERR_NO_DOMAIN,
			               "domain '%s' was undefined meanwhile", o->name);
	} else {
		lv_reply(o->c, &o->h, NULL);
	}
	lv_client_unref(o->c);
	g_free(o->name);
	g_free(o);
}

static struct op *op_new(struct lv_client *c, const struct lv_header *h, struct acrnd_vm *vm,
                         bool reply_dom)
{
	struct op *o = g_new0(struct op, 1);

	o->c = lv_client_ref(c);
	o->h = *h;
	o->name = g_strdup(acrnd_vm_name(vm));
	o->reply_dom = reply_dom;
	return o;
}

enum action {
	START,
	SHUTDOWN,
	DESTROY,
	REBOOT,
	PAUSE,
	RESUME
};

static int lifecycle(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
                     bool with_flags, enum action a)
{
	struct acrnd_vm *vm;
	uint32_t flags = 0;
	int r = with_flags ? dom_flags_arg(c, h, in, &vm, &flags) : lv_dom_arg(c, h, in, &vm);
	struct op *o;

	if (r || !vm)
		return r;
	o = op_new(c, h, vm, a == START && h->proc == LV_DOMAIN_CREATE_WITH_FLAGS);
	switch (a) {
	case START:
		acrnd_vm_start(vm, op_done, o);
		break;
	case SHUTDOWN:
		/* libvirt's shutdown only asks the guest: no destroy after a timeout. */
		acrnd_vm_shutdown(vm, 0, op_done, o);
		break;
	case DESTROY:
		acrnd_vm_destroy(vm, op_done, o);
		break;
	case REBOOT:
		acrnd_vm_reboot(vm, op_done, o);
		break;
	case PAUSE:
		acrnd_vm_pause(vm, op_done, o);
		break;
	case RESUME:
		acrnd_vm_resume(vm, op_done, o);
		break;
	}
	return 0;
}

#define LIFECYCLE(fn, flags, action)                                                    \
	static int fn(struct lv_client *c, const struct lv_header *h, struct lv_in *in) \
	{                                                                               \
		return lifecycle(c, h, in, flags, action);                              \
	}

LIFECYCLE(create, false, START)
LIFECYCLE(create_with_flags, true, START)
LIFECYCLE(shutdown, false, SHUTDOWN)
LIFECYCLE(shutdown_flags, true, SHUTDOWN)
LIFECYCLE(destroy, false, DESTROY)
LIFECYCLE(destroy_flags, true, DESTROY)
LIFECYCLE(reboot, true, REBOOT)
LIFECYCLE(reset, true, REBOOT) /* acrn-dm has no reset: power-cycle */
LIFECYCLE(suspend, false, PAUSE)
LIFECYCLE(resume, false, RESUME)

static int pm_suspend(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	struct acrnd_vm *vm;
	uint32_t target, flags;
	uint64_t duration;
	int r = lv_dom_arg(c, h, in, &vm);

	if (!r)
		r = lv_get_u32(in, &target);
	if (!r)
		r = lv_get_u64(in, &duration);
	if (!r)
		r = lv_get_u32(in, &flags);
	if (r || !vm)
		return r;
	lv_reply_error(c, h, LV_ERR_OPERATION_UNSUPPORTED,
	               "guest S3 through libvirt is not supported yet (domain '%s')",
	               acrnd_vm_name(vm));
	return 0;
}

DOM_QUERY(pm_wakeup, true,
          lv_reply_error(c, h, LV_ERR_OPERATION_UNSUPPORTED,
                         "guest S3 through libvirt is not supported yet (domain '%s')",
                         acrnd_vm_name(vm)))

static const struct {
	int proc;
	lv_handler_fn fn;
	bool writes;
} domain_procs[] = {
	{ LV_DOMAIN_LOOKUP_BY_NAME, lookup_by_name, false },
	{ LV_DOMAIN_LOOKUP_BY_UUID, lookup_by_uuid, false },
	{ LV_DOMAIN_LOOKUP_BY_ID, lookup_by_id, false },
	{ LV_CONNECT_LIST_ALL_DOMAINS, list_all, false },
	{ LV_CONNECT_NUM_OF_DOMAINS, num_of_domains, false },
	{ LV_CONNECT_NUM_OF_DEFINED_DOMAINS, num_of_defined, false },
	{ LV_CONNECT_LIST_DOMAINS, list_domains, false },
	{ LV_CONNECT_LIST_DEFINED_DOMAINS, list_defined, false },
	{ LV_DOMAIN_GET_INFO, get_info, false },
	{ LV_DOMAIN_GET_STATE, get_state, false },
	{ LV_DOMAIN_GET_OS_TYPE, get_os_type, false },
	{ LV_DOMAIN_GET_MAX_MEMORY, get_max_memory, false },
	{ LV_DOMAIN_GET_MAX_VCPUS, get_max_vcpus, false },
	{ LV_DOMAIN_GET_VCPUS_FLAGS, get_vcpus_flags, false },
	{ LV_DOMAIN_IS_ACTIVE, is_active, false },
	{ LV_DOMAIN_IS_PERSISTENT, is_persistent, false },
	{ LV_DOMAIN_IS_UPDATED, is_updated, false },
	{ LV_DOMAIN_GET_AUTOSTART, get_autostart, false },
	{ LV_DOMAIN_HAS_MANAGED_SAVE_IMAGE, has_managed_save, false },
	{ LV_DOMAIN_GET_MESSAGES, get_messages, false },
	{ LV_DOMAIN_GET_XML_DESC, get_xml_desc, false },
	{ LV_DOMAIN_SET_AUTOSTART, set_autostart, true },
	{ LV_DOMAIN_DEFINE_XML, define_xml, true },
	{ LV_DOMAIN_DEFINE_XML_FLAGS, define_xml_flags, true },
	{ LV_DOMAIN_UNDEFINE, undefine, true },
	{ LV_DOMAIN_UNDEFINE_FLAGS, undefine_flags, true },
	{ LV_DOMAIN_CREATE, create, true },
	{ LV_DOMAIN_CREATE_WITH_FLAGS, create_with_flags, true },
	{ LV_DOMAIN_SHUTDOWN, shutdown, true },
	{ LV_DOMAIN_SHUTDOWN_FLAGS, shutdown_flags, true },
	{ LV_DOMAIN_DESTROY, destroy, true },
	{ LV_DOMAIN_DESTROY_FLAGS, destroy_flags, true },
	{ LV_DOMAIN_REBOOT, reboot, true },
	{ LV_DOMAIN_RESET, reset, true },
	{ LV_DOMAIN_SUSPEND, suspend, true },
	{ LV_DOMAIN_RESUME, resume, true },
	{ LV_DOMAIN_PM_SUSPEND_FOR_DURATION, pm_suspend, true },
	{ LV_DOMAIN_PM_WAKEUP, pm_wakeup, true },
	/* the serial console (console.c) */
	{ LV_DOMAIN_OPEN_CONSOLE, lv_console_open, true },
	/* bulk statistics (stats.c) */
	{ LV_CONNECT_GET_ALL_DOMAIN_STATS, lv_get_all_domain_stats, false },
};

lv_handler_fn lv_domain_handler(int proc, bool *writes)
{
	for (size_t i = 0; i < G_N_ELEMENTS(domain_procs); i++) {
		if (domain_procs[i].proc == proc) {
			*writes = domain_procs[i].writes;
			return domain_procs[i].fn;
		}
	}
	return NULL;
}
