/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calls on the REMOTE program: who may call what, the connection-level
 * procedures, and the error replies. Domain procedures are in domain.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "lv_priv.h"

#define ACRN_HV_VERSION  3003000u /* ACRN v3.3's hypercall ABI */
#define LIBVIRT_PROTOCOL 9000000u /* the libvirt release whose protocol acrnd speaks */

/* libvirt composes messages on the server, prefixed by the error's kind. */
static const char *error_prefix(int code)
{
	switch (code) {
	case LV_ERR_NO_SUPPORT:
		return "this function is not supported by the connection driver: ";
	case LV_ERR_INVALID_ARG:
		return "invalid argument: ";
	case LV_ERR_OPERATION_FAILED:
		return "operation failed: ";
	case LV_ERR_XML_ERROR:
		return "XML error: ";
	case LV_ERR_OPERATION_DENIED:
		return "operation forbidden: ";
	case LV_ERR_NO_DOMAIN:
		return "Domain not found: ";
	case LV_ERR_NO_DOMAIN_SNAPSHOT:
		return "Domain snapshot not found: ";
	case LV_ERR_AUTH_FAILED:
		return "authentication failed: ";
	case LV_ERR_OPERATION_INVALID:
		return "Requested operation is not valid: ";
	case LV_ERR_OPERATION_UNSUPPORTED:
		return "Operation not supported: ";
	case LV_ERR_ARGUMENT_UNSUPPORTED:
		return "argument unsupported: ";
	case LV_ERR_INTERNAL:
		return "internal error: ";
	default:
		return "";
	}
}

void lv_reply(struct lv_client *c, const struct lv_header *h, GByteArray *payload)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	struct lv_header r = *h;

	r.type = LV_REPLY;
	r.status = LV_OK;
	lv_packet_begin(b, &r);
	if (payload)
		g_byte_array_append(b, payload->data, payload->len);
	if (lv_packet_end(b) < 0) {
		lv_reply_error(c, h, LV_ERR_INTERNAL, "the reply would exceed 32 MiB");
		return;
	}
	lv_client_send(c, b);
}

void lv_put_error(GByteArray *b, int code, const char *text)
{
	g_autofree char *msg = g_strconcat(error_prefix(code), text, NULL);

	lv_put_i32(b, code);
	lv_put_i32(b, code == LV_ERR_RPC                  ? LV_FROM_RPC
	              : code == LV_ERR_NO_DOMAIN_SNAPSHOT ? LV_FROM_DOMAIN_SNAPSHOT
	                                                  : LV_FROM_DOMAIN);
	lv_put_opt_string(b, msg);
	lv_put_i32(b, 2); /* VIR_ERR_ERROR */
	lv_put_u32(b, 0); /* dom */
	lv_put_u32(b, 0); /* str1..3 */
	lv_put_u32(b, 0);
	lv_put_u32(b, 0);
	lv_put_i32(b, 0); /* int1, int2 */
	lv_put_i32(b, 0);
	lv_put_u32(b, 0); /* net */
}

void lv_reply_error(struct lv_client *c, const struct lv_header *h, int code, const char *fmt, ...)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autofree char *text = NULL;
	struct lv_header r = *h;
	va_list ap;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	r.type = LV_REPLY;
	r.status = LV_ERROR;
	lv_packet_begin(b, &r);
	lv_put_error(b, code, text);
	lv_packet_end(b);
	lv_client_send(c, b);
}

void lv_reply_errno(struct lv_client *c, const struct lv_header *h, int rc, const GError *err)
{
	const char *msg = err ? err->message : g_strerror(-rc);

	switch (-rc) {
	case ENOENT:
		lv_reply_error(c, h, LV_ERR_NO_DOMAIN, "%s", msg);
		break;
	case ENODATA: /* the core's "no such snapshot" */
		lv_reply_error(c, h, LV_ERR_NO_DOMAIN_SNAPSHOT, "%s", msg);
		break;
	case EINVAL:
		lv_reply_error(c, h, LV_ERR_INVALID_ARG, "%s", msg);
		break;
	case EBUSY:
	case EALREADY:
		lv_reply_error(c, h, LV_ERR_OPERATION_INVALID, "%s", msg);
		break;
	case EPERM:
	case EACCES:
		lv_reply_error(c, h, LV_ERR_OPERATION_DENIED, "%s", msg);
		break;
	case EOPNOTSUPP:
		lv_reply_error(c, h, LV_ERR_OPERATION_UNSUPPORTED, "%s", msg);
		break;
	default:
		lv_reply_error(c, h, LV_ERR_OPERATION_FAILED, "%s", msg);
	}
}

/* ---- connection procedures ---- */

static int auth_list(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	(void)in;
	lv_put_u32(b, 1);
	lv_put_i32(b, 0); /* REMOTE_AUTH_NONE: SO_PEERCRED decides, at CONNECT_OPEN */
	lv_reply(c, h, b);
	return 0;
}

static int supports_feature(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	int32_t feature;
	int r = lv_get_i32(in, &feature);

	if (r)
		return r;
	/* 10 program keepalive, 14 event callbacks, 15 close callbacks. */
	lv_put_i32(b, feature == 10 || feature == 14 || feature == 15);
	lv_reply(c, h, b);
	return 0;
}

static int connect_open(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autofree char *name = NULL;
	uint32_t flags;
	int r = lv_get_opt_string(in, LV_STRING_MAX, &name);

	if (!r)
		r = lv_get_u32(in, &flags);
	if (r)
		return r;
	if (name && *name && !g_str_has_prefix(name, "acrn:")) {
		lv_reply_error(c, h, LV_ERR_NO_SUPPORT, "acrnd serves acrn:/// URIs, not '%s'",
		               name);
		return 0;
	}
	if (c->rw_socket && !c->may_write && !(flags & 1)) {
		lv_reply_error(c, h, LV_ERR_AUTH_FAILED,
		               "uid %d may not use %s (it serves %s); connect read-only",
		               (int)c->uid, c->srv->paths[0],
		               c->srv->session ? "acrnd's own uid" : "root");
		return 0;
	}
	c->readonly = !c->may_write || (flags & 1);
	c->opened = true;
	lv_reply(c, h, NULL);
	return 0;
}

static int connect_close(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	c->opened = false;
	g_array_set_size(c->callbacks, 0);
	lv_reply(c, h, NULL);
	return 0;
}

static int void_ok(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	lv_reply(c, h, NULL);
	return 0;
}

static int reply_string(struct lv_client *c, const struct lv_header *h, const char *s)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_string(b, s);
	lv_reply(c, h, b);
	return 0;
}

static int reply_u64(struct lv_client *c, const struct lv_header *h, uint64_t v)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_u64(b, v);
	lv_reply(c, h, b);
	return 0;
}

static int reply_i32(struct lv_client *c, const struct lv_header *h, int32_t v)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_i32(b, v);
	lv_reply(c, h, b);
	return 0;
}

static int get_type(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	return reply_string(c, h, "ACRN");
}

static int get_version(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	return reply_u64(c, h, ACRN_HV_VERSION);
}

static int get_lib_version(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	return reply_u64(c, h, LIBVIRT_PROTOCOL);
}

static int get_hostname(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	return reply_string(c, h, g_get_host_name());
}

static int get_uri(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	return reply_string(c, h, c->srv->session ? "acrn:///session" : "acrn:///system");
}

static int is_secure(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	return reply_i32(c, h, 1); /* a local UNIX socket */
}

static int get_max_vcpus(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autofree char *type = NULL;
	int r = lv_get_opt_string(in, LV_STRING_MAX, &type);

	if (r)
		return r;
	return reply_i32(c, h, ACRND_VCPUS_MAX);
}

/* A /proc/meminfo field in KiB (0 if unknown). */
static uint64_t meminfo_kib(const char *field)
{
	g_autofree char *text = NULL;
	const char *p;

	if (!g_file_get_contents("/proc/meminfo", &text, NULL, NULL))
		return 0;
	p = strstr(text, field);
	return p ? g_ascii_strtoull(p + strlen(field), NULL, 10) : 0;
}

static int node_free_memory(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	(void)in;
	return reply_u64(c, h, meminfo_kib("MemAvailable:") * 1024); /* bytes */
}

static int node_get_info(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	int cpus = (int)g_get_num_processors();

	(void)in;
	lv_put_chars_fixed(b, "x86_64", 32);
	lv_put_u64(b, meminfo_kib("MemTotal:"));
	lv_put_i32(b, cpus);
	lv_put_i32(b, 0); /* mhz: unknown */
	lv_put_i32(b, 1); /* nodes */
	lv_put_i32(b, 1); /* sockets */
	lv_put_i32(b, cpus);
	lv_put_i32(b, 1); /* threads */
	lv_reply(c, h, b);
	return 0;
}

static int security_model(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	(void)in;
	lv_put_chars_var(b, "", 0); /* no model: virsh shows "none" */
	lv_put_chars_var(b, "", 0);
	lv_reply(c, h, b);
	return 0;
}

static int capabilities(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autofree char *xml = NULL;

	(void)in;
	/* The <guest> must match every domain XML acrnd emits (virt-manager checks). */
	xml = g_strdup_printf("<capabilities>\n"
	                      "  <host>\n"
	                      "    <cpu>\n"
	                      "      <arch>x86_64</arch>\n"
	                      "      <topology sockets='1' dies='1' cores='%u' threads='1'/>\n"
	                      "    </cpu>\n"
	                      "  </host>\n"
	                      "  <guest>\n"
	                      "    <os_type>hvm</os_type>\n"
	                      "    <arch name='x86_64'>\n"
	                      "      <wordsize>64</wordsize>\n"
	                      "      <emulator>%s</emulator>\n"
	                      "      <machine maxCpus='%d'>acrn</machine>\n"
	                      "      <domain type='acrn'/>\n"
	                      "    </arch>\n"
	                      "  </guest>\n"
	                      "</capabilities>\n",
	                      g_get_num_processors(), ACRND_DEFAULT_DM, ACRND_VCPUS_MAX);
	return reply_string(c, h, xml);
}

static int domain_capabilities(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autofree char *emulator = NULL, *arch = NULL, *machine = NULL, *virttype = NULL;
	g_autofree char *xml = NULL;
	uint32_t flags;
	int r = lv_get_opt_string(in, LV_STRING_MAX, &emulator);

	if (!r)
		r = lv_get_opt_string(in, LV_STRING_MAX, &arch);
	if (!r)
		r = lv_get_opt_string(in, LV_STRING_MAX, &machine);
	if (!r)
		r = lv_get_opt_string(in, LV_STRING_MAX, &virttype);
	if (!r)
		r = lv_get_u32(in, &flags);
	if (r)
		return r;
	if ((arch && strcmp(arch, "x86_64")) || (virttype && strcmp(virttype, "acrn")) ||
	    (machine && strcmp(machine, "acrn"))) {
		lv_reply_error(c, h, LV_ERR_INVALID_ARG,
		               "acrnd runs arch x86_64, virttype acrn, machine acrn only");
		return 0;
	}
	/* What acrnd's definitions (acrnd/core/def.c) accept: direct kernel boot,
	 * virtio disks (raw, qcow2), serial ports; no firmware, graphics or hostdevs yet. */
	xml = g_strdup_printf("<domainCapabilities>\n"
	                      "  <path>%s</path>\n"
	                      "  <domain>acrn</domain>\n"
	                      "  <machine>acrn</machine>\n"
	                      "  <arch>x86_64</arch>\n"
	                      "  <vcpu max='%d'/>\n"
	                      "  <os supported='yes'>\n"
	                      "    <loader supported='no'/>\n"
	                      "  </os>\n"
	                      "  <devices>\n"
	                      "    <disk supported='yes'>\n"
	                      "      <enum name='diskDevice'><value>disk</value></enum>\n"
	                      "      <enum name='bus'><value>virtio</value></enum>\n"
	                      "    </disk>\n"
	                      "    <graphics supported='no'/>\n"
	                      "    <video supported='no'/>\n"
	                      "    <hostdev supported='no'/>\n"
	                      "  </devices>\n"
	                      "  <features/>\n"
	                      "</domainCapabilities>\n",
	                      emulator ? emulator : ACRND_DEFAULT_DM, ACRND_VCPUS_MAX);
	return reply_string(c, h, xml);
}

/* ---- the table ---- */

enum {
	BEFORE_OPEN = 1, /* allowed before CONNECT_OPEN */
	WRITES = 2,      /* refused on read-only connections */
};

static const struct {
	int proc;
	lv_handler_fn fn;
	unsigned flags;
} connect_procs[] = {
	{ LV_AUTH_LIST, auth_list, BEFORE_OPEN },
	{ LV_CONNECT_SUPPORTS_FEATURE, supports_feature, BEFORE_OPEN },
	{ LV_CONNECT_OPEN, connect_open, BEFORE_OPEN },
	{ LV_CONNECT_CLOSE, connect_close, BEFORE_OPEN },
	{ LV_CONNECT_GET_TYPE, get_type, 0 },
	{ LV_CONNECT_GET_VERSION, get_version, 0 },
	{ LV_CONNECT_GET_LIB_VERSION, get_lib_version, 0 },
	{ LV_CONNECT_GET_HOSTNAME, get_hostname, 0 },
	{ LV_CONNECT_GET_URI, get_uri, 0 },
	{ LV_CONNECT_IS_SECURE, is_secure, 0 },
	{ LV_CONNECT_GET_MAX_VCPUS, get_max_vcpus, 0 },
	{ LV_NODE_GET_INFO, node_get_info, 0 },
	{ LV_NODE_GET_SECURITY_MODEL, security_model, 0 },
	{ LV_NODE_GET_FREE_MEMORY, node_free_memory, 0 },
	{ LV_CONNECT_GET_CAPABILITIES, capabilities, 0 },
	{ LV_CONNECT_GET_DOMAIN_CAPABILITIES, domain_capabilities, 0 },
	{ LV_CONNECT_REGISTER_CLOSE_CALLBACK, void_ok, 0 },
	{ LV_CONNECT_UNREGISTER_CLOSE_CALLBACK, void_ok, 0 },
	{ LV_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, lv_events_register, 0 },
	{ LV_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, lv_events_deregister, 0 },
};

int lv_dispatch(struct lv_client *c, const struct lv_header *h, const uint8_t *body, size_t len)
{
	lv_handler_fn fn = NULL;
	unsigned flags = 0;
	bool writes = false;
	struct lv_in in;
	int r;

	for (size_t i = 0; i < G_N_ELEMENTS(connect_procs); i++) {
		if (connect_procs[i].proc == h->proc) {
			fn = connect_procs[i].fn;
			flags = connect_procs[i].flags;
		}
	}
	if (!fn) {
		fn = lv_domain_handler(h->proc, &writes);
		if (!fn)
			fn = lv_snapshot_handler(h->proc, &writes);
		flags = writes ? WRITES : 0;
	}
	if (!fn) {
		/* Clients fall back on NO_SUPPORT (e.g. list without LIST_ALL_DOMAINS). */
		lv_reply_error(c, h, LV_ERR_NO_SUPPORT, "procedure %d is not served by acrnd",
		               h->proc);
		return 0;
	}
	if (!c->opened && !(flags & BEFORE_OPEN)) {
		lv_reply_error(c, h, LV_ERR_RPC, "connection not open");
		return 0;
	}
	if ((flags & WRITES) && c->readonly) {
		lv_reply_error(c, h, LV_ERR_OPERATION_DENIED,
		               "read only access prevents procedure %d", h->proc);
		return 0;
	}
	lv_in_init(&in, body, len);
	r = fn(c, h, &in);
	/* A handler replies only after decoding everything, so a bad payload got no reply. */
	if (!r && in.left)
		g_message("libvirt: client %u: %zu unread bytes after procedure %d", c->id, in.left,
		          h->proc);
	return r;
}
