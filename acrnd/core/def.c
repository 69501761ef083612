/* SPDX-License-Identifier: BSD-3-Clause */
/* Domain XML → struct acrnd_def, with libxml2 kept away from the network and entities. */
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "def.h"

#define DEF_ERROR g_quark_from_static_string("acrnd-def")

static const char *const action_names[_ACRND_ACTION_MAX] = {
	[ACRND_ACTION_DESTROY] = "destroy",
	[ACRND_ACTION_RESTART] = "restart",
	[ACRND_ACTION_PRESERVE] = "preserve",
};

const char *acrnd_action_to_string(enum acrnd_action a)
{
	return a >= 0 && a < _ACRND_ACTION_MAX ? action_names[a] : NULL;
}

enum acrnd_action acrnd_action_from_string(const char *s)
{
	for (int i = 0; s && i < _ACRND_ACTION_MAX; i++)
		if (!strcmp(s, action_names[i]))
			return i;
	return _ACRND_ACTION_INVALID;
}

static int fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static int fail(GError **error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (error && !*error)
		*error = g_error_new_valist(DEF_ERROR, EINVAL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int acrnd_name_check(const char *name, GError **error)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return fail(error, "VM name is empty");
	if (n > ACRND_NAME_MAX)
		return fail(error, "VM name '%.32s%s' is %zu characters long (at most %d)", name,
		            n > 32 ? "..." : "", n, ACRND_NAME_MAX);
	if (name[0] == '-')
		return fail(error,
		            "VM name '%s' starts with '-' (acrn-dm would read it as an option)",
		            name);
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return fail(error,
			            "VM name '%s' contains '%c' at %zu (allowed: A-Z a-z 0-9 _ -)",
			            name, g_ascii_isprint(name[i]) ? name[i] : '?', i);
	return 0;
}

struct acrnd_def *acrnd_def_free(struct acrnd_def *def)
{
	if (!def)
		return NULL;
	g_free(def->kernel);
	g_free(def->initrd);
	g_free(def->cmdline);
	g_free(def->transport);
	if (def->disks)
		g_ptr_array_free(def->disks, TRUE);
	if (def->serials)
		g_ptr_array_free(def->serials, TRUE);
	g_free(def);
	return NULL;
}

static void disk_free(gpointer p)
{
	struct acrnd_disk *d = p;

	g_free(d->file);
	g_free(d->format);
	g_free(d->target);
	g_free(d);
}

static void serial_free(gpointer p)
{
	struct acrnd_serial *s = p;

	g_free(s->path);
	g_free(s);
}

static bool is_acrn_ns(xmlNode *n)
{
	return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, ACRND_NS);
}

static bool is_el(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !n->ns && !strcmp((const char *)n->name, name);
}

/* Text content of @n, trimmed; NULL-safe; g_free it. */
static char *text_of(xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s = g_strstrip(g_strdup(c ? (const char *)c : ""));

	xmlFree(c);
	return s;
}

static char *prop(xmlNode *n, const char *name)
{
	xmlChar *c = xmlGetNoNsProp(n, (const xmlChar *)name);
	char *s = c ? g_strdup((const char *)c) : NULL;

	xmlFree(c);
	return s;
}

/* Paths are handed to acrn-dm inside comma-separated options. */
static int path_check(const char *what, const char *path, GError **error)
{
	if (!path || !*path)
		return fail(error, "%s: the path is missing", what);
	if (path[0] != '/')
		return fail(error, "%s: path '%s' is not absolute", what, path);
	if (strchr(path, ','))
		return fail(error, "%s: path '%s' contains ',' (acrn-dm splits options on it)",
		            what, path);
	if (strlen(path) > 4095)
		return fail(error, "%s: path is longer than 4095 bytes", what);
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20)
			return fail(error, "%s: path contains a control character", what);
	return 0;
}

static int parse_u64(const char *what, const char *s, uint64_t max, uint64_t *out, GError **error)
{
	guint64 v;

	if (!s || !g_ascii_string_to_unsigned(s, 10, 0, max, &v, NULL))
		return fail(error, "%s: '%s' is not a number between 0 and %" G_GUINT64_FORMAT,
		            what, s ? s : "", (guint64)max);
	*out = v;
	return 0;
}

static int parse_memory(xmlNode *n, uint64_t *mib, GError **error)
{
	static const struct {
		const char *unit;
		uint64_t bytes;
	} units[] = {
		{ "b", 1 },           { "bytes", 1 },    { "KB", 1000 },     { "k", 1024 },
		{ "KiB", 1024 },      { "MB", 1000000 }, { "M", 1 << 20 },   { "MiB", 1 << 20 },
		{ "GB", 1000000000 }, { "G", 1 << 30 },  { "GiB", 1 << 30 },
	};
	g_autofree char *unit = prop(n, "unit");
	g_autofree char *txt = text_of(n);
	uint64_t mul = 0, v = 0;

	if (!unit)
		mul = 1024; /* libvirt's default: KiB */
	for (size_t i = 0; unit && i < G_N_ELEMENTS(units); i++)
		if (!strcmp(unit, units[i].unit))
			mul = units[i].bytes;
	if (!mul)
		return fail(error, "memory: unknown unit '%s' (b, KB, KiB, MB, MiB, GB, GiB)",
		            unit);
	if (parse_u64("memory", txt, UINT64_MAX / (1 << 30), &v, error))
		return -EINVAL;
	v = (v * mul + (1 << 20) - 1) >> 20;
	if (v < 2 || v > (1u << 20))
		return fail(error,
		            "memory: %" G_GUINT64_FORMAT " MiB is out of range (2 MiB - 1 TiB)",
		            (guint64)v);
	*mib = v;
	return 0;
}

/* "1-3,5" → bitmap of pCPUs below 64. */
static int parse_cpuset(const char *s, uint64_t *out, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(s, ",", 0);
	uint64_t m = 0;

	for (int i = 0; parts[i]; i++) {
		guint64 a, b;
		char *dash = strchr(parts[i], '-');

		if (dash)
			*dash = 0;
		if (!g_ascii_string_to_unsigned(parts[i], 10, 0, 63, &a, NULL) ||
		    !g_ascii_string_to_unsigned(dash ? dash + 1 : parts[i], 10, 0, 63, &b, NULL) ||
		    b < a)
			return fail(error,
			            "vcpu: cpuset '%s' is not a list of pCPUs 0-63 like '1-2,4'",
			            s);
		for (guint64 c = a; c <= b; c++)
			m |= 1ULL << c;
	}
	*out = m;
	return 0;
}

static int parse_vcpu(xmlNode *n, struct acrnd_def *def, GError **error)
{
	g_autofree char *txt = text_of(n);
	g_autofree char *cpuset = prop(n, "cpuset");
	uint64_t v = 0;

	if (parse_u64("vcpu", txt, ACRND_VCPUS_MAX, &v, error))
		return -EINVAL;
	if (v < 1)
		return fail(error, "vcpu: at least 1");
	def->vcpus = v;
	if (cpuset) {
		if (parse_cpuset(cpuset, &def->cpuset, error))
			return -EINVAL;
		/* acrn-dm runs one vCPU per pCPU of the affinity list. */
		if ((unsigned)__builtin_popcountll(def->cpuset) != def->vcpus)
			return fail(
			        error,
			        "vcpu: cpuset '%s' has %d pCPUs for %u vCPUs (ACRN pins one each)",
			        cpuset, __builtin_popcountll(def->cpuset), def->vcpus);
	}
	return 0;
}

static int parse_os(xmlNode *os, struct acrnd_def *def, GError **error)
{
	for (xmlNode *n = os->children; n; n = n->next) {
		char **slot = NULL;

		if (is_el(n, "type")) {
			g_autofree char *t = text_of(n);

			if (strcmp(t, "hvm"))
				return fail(error, "os/type: '%s' is not supported (hvm)", t);
			continue;
		}
		if (is_el(n, "kernel"))
			slot = &def->kernel;
		else if (is_el(n, "initrd"))
			slot = &def->initrd;
		else if (is_el(n, "cmdline"))
			slot = &def->cmdline;
		if (!slot)
			continue;
		g_free(*slot);
		*slot = text_of(n);
		if (slot != &def->cmdline && path_check((const char *)n->name, *slot, error))
			return -EINVAL;
	}
	if (def->cmdline && strlen(def->cmdline) > 2048)
		return fail(error, "os/cmdline: longer than 2048 bytes");
	if (!def->kernel)
		return fail(error, "os/kernel is missing (acrn-dm boots a Linux kernel directly)");
	return 0;
}

static int parse_disk(xmlNode *d, struct acrnd_def *def, GError **error)
{
	struct acrnd_disk *disk = g_new0(struct acrnd_disk, 1);
	g_autofree char *type = prop(d, "type");
	g_autofree char *device = prop(d, "device");

	g_ptr_array_add(def->disks, disk);
	if (def->disks->len > ACRND_DISKS_MAX)
		return fail(error, "devices: more than %d disks", ACRND_DISKS_MAX);
	if (type && strcmp(type, "file"))
		return fail(error, "disk: type '%s' is not supported (file)", type);
	if (device && strcmp(device, "disk"))
		return fail(error, "disk: device '%s' is not supported (disk)", device);
	for (xmlNode *n = d->children; n; n = n->next) {
		if (is_el(n, "source")) {
			g_free(disk->file);
			disk->file = prop(n, "file");
		} else if (is_el(n, "driver")) {
			g_free(disk->format);
			disk->format = prop(n, "type");
		} else if (is_el(n, "target")) {
			g_autofree char *bus = prop(n, "bus");

			if (bus && strcmp(bus, "virtio"))
				return fail(error,
				            "disk: target bus '%s' is not supported (virtio)", bus);
			g_free(disk->target);
			disk->target = prop(n, "dev");
		} else if (is_el(n, "readonly")) {
			disk->readonly = true;
		}
	}
	if (path_check("disk source file", disk->file, error))
		return -EINVAL;
	if (!disk->format)
		disk->format = g_strdup("raw");
	if (strcmp(disk->format, "raw") && strcmp(disk->format, "qcow2"))
		return fail(error, "disk '%s': format '%s' is not supported (raw, qcow2)",
		            disk->file, disk->format);
	if (!disk->target)
		disk->target = g_strdup_printf("vd%c", 'a' + def->disks->len - 1);
	for (const char *p = disk->target; *p; p++)
		if (!g_ascii_isalnum(*p) || p - disk->target >= 15)
			return fail(error,
			            "disk '%s': target dev '%s' is not 1-15 letters or digits",
			            disk->file, disk->target);
	if (!*disk->target)
		return fail(error, "disk '%s': target dev is empty", disk->file);
	for (guint i = 0; i + 1 < def->disks->len; i++)
		if (!strcmp(((struct acrnd_disk *)def->disks->pdata[i])->target, disk->target))
			return fail(error, "disk: two disks have target dev '%s'", disk->target);
	return 0;
}

static int parse_serial(xmlNode *s, struct acrnd_def *def, GError **error)
{
	struct acrnd_serial *ser = g_new0(struct acrnd_serial, 1);
	g_autofree char *type = prop(s, "type");
	g_autofree char *mode = NULL;

	g_ptr_array_add(def->serials, ser);
	ser->port = def->serials->len - 1;
	if (def->serials->len > ACRND_SERIALS_MAX)
		return fail(error, "devices: more than %d serial ports", ACRND_SERIALS_MAX);
	if (!type || !strcmp(type, "pty"))
		ser->type = ACRND_SERIAL_PTY;
	else if (!strcmp(type, "file"))
		ser->type = ACRND_SERIAL_FILE;
	else if (!strcmp(type, "unix"))
		ser->type = ACRND_SERIAL_UNIX;
	else
		return fail(error, "serial: type '%s' is not supported (pty, file, unix)", type);
	for (xmlNode *n = s->children; n; n = n->next) {
		if (is_el(n, "source")) {
			g_free(ser->path);
			ser->path = prop(n, "path");
			g_free(mode);
			mode = prop(n, "mode");
		} else if (is_el(n, "target")) {
			g_autofree char *port = prop(n, "port");
			uint64_t p = 0;

			if (port && parse_u64("serial target port", port, 1, &p, error))
				return -EINVAL;
			if (port)
				ser->port = p;
		}
	}
	if (ser->type == ACRND_SERIAL_PTY) {
		g_clear_pointer(&ser->path, g_free); /* libvirt reports the pty it got here */
	} else if (path_check("serial source", ser->path, error)) {
		return -EINVAL;
	}
	if (ser->type == ACRND_SERIAL_UNIX && mode && strcmp(mode, "bind"))
		return fail(error, "serial: unix source mode '%s' is not supported (bind)", mode);
	for (guint i = 0; i + 1 < def->serials->len; i++)
		if (((struct acrnd_serial *)def->serials->pdata[i])->port == ser->port)
			return fail(error, "serial: two ports use target port %u", ser->port);
	return 0;
}

static int parse_action(xmlNode *n, enum acrnd_action *out, GError **error)
{
	g_autofree char *t = text_of(n);
	enum acrnd_action a = acrnd_action_from_string(t);

	if (a < 0 || (a == ACRND_ACTION_PRESERVE && strcmp((const char *)n->name, "on_crash")))
		return fail(error, "%s: '%s' is not supported (destroy, restart%s)", n->name, t,
		            strcmp((const char *)n->name, "on_crash") ? "" : ", preserve");
	*out = a;
	return 0;
}

static int parse_acrn(xmlNode *n, struct acrnd_def *def, GError **error)
{
	g_autofree char *t = text_of(n);

	if (!strcmp((const char *)n->name, "transport")) {
		if (strcmp(t, "kernel") && strcmp(t, "board"))
			return fail(error, "acrn:transport: '%s' is not kernel or board", t);
		g_free(def->transport);
		def->transport = g_steal_pointer(&t);
		return 0;
	}
	if (!strcmp((const char *)n->name, "restart-limit")) {
		uint64_t v = 0;

		if (parse_u64("acrn:restart-limit", t, 1000, &v, error))
			return -EINVAL;
		def->restart_limit = v;
		return 0;
	}
	return fail(error, "acrn:%s: unknown element in the ACRN namespace", n->name);
}

static int parse_domain(xmlNode *root, struct acrnd_def *def, GError **error)
{
	g_autofree char *type = NULL;
	bool have_name = false, have_mem = false, have_vcpu = false, have_os = false;

	if (root->ns || strcmp((const char *)root->name, "domain"))
		return fail(error, "the root element is <%s>, not <domain>", root->name);
	type = prop(root, "type");
	if (!type || strcmp(type, "acrn"))
		return fail(error, "domain type is '%s', not 'acrn'", type ? type : "(missing)");
	for (xmlNode *n = root->children; n; n = n->next) {
		int rc = 0;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_acrn_ns(n)) {
			rc = parse_acrn(n, def, error);
		} else if (is_el(n, "name")) {
			g_autofree char *name = text_of(n);

			rc = acrnd_name_check(name, error);
			if (!rc)
				g_strlcpy(def->name, name, sizeof(def->name));
			have_name = true;
		} else if (is_el(n, "uuid")) {
			g_autofree char *u = text_of(n);

			if (!g_uuid_string_is_valid(u))
				return fail(error, "uuid: '%.40s' is not a UUID", u);
			g_strlcpy(def->uuid, u, sizeof(def->uuid));
			for (char *p = def->uuid; *p; p++)
				*p = g_ascii_tolower(*p);
		} else if (is_el(n, "memory")) {
			rc = parse_memory(n, &def->memory_mib, error);
			have_mem = true;
		} else if (is_el(n, "vcpu")) {
			rc = parse_vcpu(n, def, error);
			have_vcpu = true;
		} else if (is_el(n, "os")) {
			rc = parse_os(n, def, error);
			have_os = true;
		} else if (is_el(n, "on_poweroff")) {
			rc = parse_action(n, &def->on_poweroff, error);
		} else if (is_el(n, "on_reboot")) {
			rc = parse_action(n, &def->on_reboot, error);
		} else if (is_el(n, "on_crash")) {
			rc = parse_action(n, &def->on_crash, error);
		} else if (is_el(n, "devices")) {
			for (xmlNode *d = n->children; d && !rc; d = d->next) {
				if (is_el(d, "disk"))
					rc = parse_disk(d, def, error);
				else if (is_el(d, "serial"))
					rc = parse_serial(d, def, error);
				else if (is_el(d, "console") || d->type != XML_ELEMENT_NODE)
					continue;
				else
					rc = fail(error, "devices: <%s> is not supported", d->name);
			}
		}
		/* Other libvirt elements (description, features, clock...) are ignored. */
		if (rc)
			return rc;
	}
	if (!have_name)
		return fail(error, "<name> is missing");
	if (!have_mem)
		return fail(error, "<memory> is missing");
	if (!have_vcpu)
		def->vcpus = 1;
	if (!have_os)
		return fail(error, "<os> is missing");
	if (!def->uuid[0]) {
		g_autofree char *u = g_uuid_string_random();

		g_strlcpy(def->uuid, u, sizeof(def->uuid));
		def->uuid_generated = true;
	}
	return 0;
}

static void silent_errors(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int acrnd_def_parse(const char *xml, size_t len, struct acrnd_def **ret, GError **error)
{
	struct acrnd_def *def;
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	int rc;

	if (len > ACRND_XML_MAX)
		return fail(error, "the definition is %zu bytes (at most %u)", len, ACRND_XML_MAX);
	if (memchr(xml, 0, len))
		return fail(error, "the definition contains a NUL byte");
	/*
	 * No DOCTYPE at all: entities can only be declared in one, so this rules
	 * out billion-laughs and external entities before libxml2 sees them.
	 */
	if (g_strstr_len(xml, len, "<!DOCTYPE") || g_strstr_len(xml, len, "<!ENTITY"))
		return fail(error, "DTDs and entity declarations are not allowed in a definition");
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return -ENOMEM;
	xmlSetGenericErrorFunc(NULL, silent_errors);
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "domain.xml", NULL,
	                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		xmlError *e = xmlCtxtGetLastError(ctxt);

		rc = fail(error, "not well-formed XML: line %d: %s", e ? e->line : 0,
		          e && e->message ? g_strstrip(e->message) : "parse error");
		xmlFreeParserCtxt(ctxt);
		return rc;
	}
	def = g_new0(struct acrnd_def, 1);
	def->disks = g_ptr_array_new_with_free_func(disk_free);
	def->serials = g_ptr_array_new_with_free_func(serial_free);
	def->on_poweroff = ACRND_ACTION_DESTROY;
	def->on_reboot = ACRND_ACTION_RESTART;
	def->on_crash = ACRND_ACTION_DESTROY;
	if (doc->intSubset || doc->extSubset)
		rc = fail(error, "DTDs are not allowed in a definition");
	else if (!xmlDocGetRootElement(doc))
		rc = fail(error, "the document is empty");
	else
		rc = parse_domain(xmlDocGetRootElement(doc), def, error);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (rc) {
		acrnd_def_free(def);
		return rc;
	}
	*ret = def;
	return 0;
}
