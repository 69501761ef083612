/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshot procedures: libvirt's domain snapshots over the core's internal
 * qcow2 snapshots (acrnd/core/snapshot.h). Every query lists the VM's
 * snapshots from the core (asynchronous while acrn-dm holds the disks) and
 * answers from that list, so virsh and D-Bus always see the same set.
 */
#include <errno.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lv_priv.h"
#include "snapshot.h"

#define SNAP_XML_MAX 65536u

/* virDomainSnapshotListFlags (bit 0 is ROOTS for a domain, DESCENDANTS for a snapshot) */
enum {
	SL_ROOTS_OR_DESCENDANTS = 1 << 0,
	SL_METADATA = 1 << 1,
	SL_LEAVES = 1 << 2,
	SL_NO_LEAVES = 1 << 3,
	SL_NO_METADATA = 1 << 4,
	SL_INACTIVE = 1 << 5,
	SL_ACTIVE = 1 << 6,
	SL_DISK_ONLY = 1 << 7,
	SL_INTERNAL = 1 << 8,
	SL_EXTERNAL = 1 << 9,
	SL_TOPOLOGICAL = 1 << 10,
	SL_KNOWN = (1 << 11) - 1,
};

/* virDomainSnapshotCreateFlags acrnd honours: VALIDATE (always done), ATOMIC (always), LIVE. */
#define CREATE_OK ((1u << 9) | (1u << 7) | (1u << 8))
/* virDomainSnapshotRevertFlags: FORCE changes nothing when the VM must be off anyway. */
#define REVERT_OK (1u << 2)

struct sop;
/* Runs with the VM (looked up again) and its snapshots; @s is the named one if any. */
typedef void (*sop_fn)(struct sop *o, struct acrnd_vm *vm, GPtrArray *snaps,
                       struct acrnd_snapshot *s);

/* A call waiting for the core. */
struct sop {
	struct lv_client *c;
	struct lv_header h;
	char *vm;   /* looked up again when the core answers */
	char *snap; /* the snapshot the call names, or NULL */
	uint32_t flags;
	int32_t count; /* need_results / maxnames */
	sop_fn then;
};

static void sop_free(struct sop *o)
{
	lv_client_unref(o->c);
	g_free(o->vm);
	g_free(o->snap);
	g_free(o);
}

static struct sop *sop_new(struct lv_client *c, const struct lv_header *h, struct acrnd_vm *vm,
                           const char *snap, uint32_t flags, sop_fn then)
{
	struct sop *o = g_new0(struct sop, 1);

	o->c = lv_client_ref(c);
	o->h = *h;
	o->vm = g_strdup(acrnd_vm_name(vm));
	o->snap = g_strdup(snap);
	o->flags = flags;
	o->then = then;
	return o;
}

static struct acrnd_snapshot *find(GPtrArray *snaps, const char *name)
{
	for (guint i = 0; snaps && i < snaps->len; i++) {
		struct acrnd_snapshot *s = snaps->pdata[i];

		if (!strcmp(s->name, name))
			return s;
	}
	return NULL;
}

static void no_snapshot(struct sop *o)
{
	lv_reply_error(o->c, &o->h, LV_ERR_NO_DOMAIN_SNAPSHOT,
	               "no domain snapshot with matching name '%s' (domain '%s')", o->snap, o->vm);
}

static gint by_time(gconstpointer a, gconstpointer b)
{
	const struct acrnd_snapshot *x = *(struct acrnd_snapshot *const *)a;
	const struct acrnd_snapshot *y = *(struct acrnd_snapshot *const *)b;

	return x->created != y->created ? (x->created < y->created ? -1 : 1)
	                                : strcmp(x->name, y->name);
}

/*
 * @snaps (borrowed) in libvirt's topological order, parents before children,
 * oldest first among equals: what --topological and --tree rely on.
 */
static GPtrArray *topological(GPtrArray *snaps)
{
	g_autoptr(GPtrArray) todo = g_ptr_array_sized_new(snaps->len); /* borrows too */
	g_autoptr(GHashTable) placed = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *out = g_ptr_array_new();
	bool progress = true;

	for (guint i = 0; i < snaps->len; i++)
		g_ptr_array_add(todo, snaps->pdata[i]);
	g_ptr_array_sort(todo, by_time);
	while (todo->len && progress) {
		progress = false;
		for (guint i = 0; i < todo->len;) {
			struct acrnd_snapshot *s = todo->pdata[i];

			if (!*s->parent || !find(snaps, s->parent) ||
			    g_hash_table_contains(placed, s->parent)) {
				g_ptr_array_add(out, s);
				g_hash_table_add(placed, s->name);
				g_ptr_array_remove_index(todo, i);
				progress = true;
			} else {
				i++;
			}
		}
	}
	/* A parent loop (damaged metadata): the rest as they come. */
	for (guint i = 0; i < todo->len; i++)
		g_ptr_array_add(out, todo->pdata[i]);
	return out;
}

static void sop_listed(int rc, const GError *err, GPtrArray *listed, void *user)
{
	struct sop *o = user;
	struct acrnd_vm *vm;
	struct acrnd_snapshot *s = NULL;
	g_autoptr(GPtrArray) snaps = rc ? NULL : topological(listed);

	if (o->c->dead) {
		/* The client went away: nothing to answer. */
	} else if (rc) {
		lv_reply_errno(o->c, &o->h, rc, err);
	} else if (!(vm = acrnd_manager_lookup(o->c->srv->mgr, o->vm, NULL))) {
		lv_reply_error(o->c, &o->h, LV_ERR_NO_DOMAIN, "domain '%s' was undefined meanwhile",
		               o->vm);
	} else if (o->snap && !(s = find(snaps, o->snap))) {
		no_snapshot(o);
	} else {
		o->then(o, vm, snaps, s);
	}
	sop_free(o);
}

/* List @vm's snapshots, then o->then. */
static void sop_run(struct sop *o, struct acrnd_vm *vm)
{
	acrnd_vm_snapshot_list(vm, sop_listed, o);
}

static void put_snap(GByteArray *b, struct lv_client *c, struct acrnd_vm *vm, const char *name)
{
	lv_put_string(b, name);
	lv_put_domain(b, c->srv, vm);
}

static void reply_snap(struct sop *o, struct acrnd_vm *vm, const char *name)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	put_snap(b, o->c, vm, name);
	lv_reply(o->c, &o->h, b);
}

static void reply_int(struct sop *o, int32_t v)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_i32(b, v);
	lv_reply(o->c, &o->h, b);
}

/* ---- argument decoding: <0 malformed; 0 with *@vm NULL: replied ---- */

/* remote_nonnull_domain_snapshot = { string name; remote_nonnull_domain dom } */
static int snap_arg(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
                    struct acrnd_vm **vm, char **name)
{
	int r = lv_get_string(in, LV_STRING_MAX, name);

	if (!r)
		r = lv_dom_arg(c, h, in, vm);
	if (r)
		*vm = NULL;
	return r;
}

static int flags_arg(struct lv_in *in, struct acrnd_vm **vm, uint32_t *flags)
{
	int r = lv_get_u32(in, flags);

	if (r)
		*vm = NULL;
	return r;
}

/* ---- the tree ---- */

static bool is_root(GPtrArray *snaps, const struct acrnd_snapshot *s)
{
	return !*s->parent || !find(snaps, s->parent);
}

static bool has_children(GPtrArray *snaps, const struct acrnd_snapshot *s)
{
	for (guint i = 0; i < snaps->len; i++)
		if (!strcmp(((struct acrnd_snapshot *)snaps->pdata[i])->parent, s->name))
			return true;
	return false;
}

/* Whether @s descends from @anc (following parents, bounded against loops). */
static bool descends(GPtrArray *snaps, const struct acrnd_snapshot *s, const char *anc)
{
	for (guint n = 0; s && *s->parent && n <= snaps->len; n++) {
		if (!strcmp(s->parent, anc))
			return true;
		s = find(snaps, s->parent);
	}
	return false;
}

/* The libvirt filter groups other than bit 0: each group set must match. */
static bool filter(GPtrArray *snaps, const struct acrnd_snapshot *s, uint32_t flags)
{
	bool leaf = !has_children(snaps, s), off = !strcmp(s->state, "shutoff");

	if ((flags & (SL_LEAVES | SL_NO_LEAVES)) && !(flags & (leaf ? SL_LEAVES : SL_NO_LEAVES)))
		return false;
	/* acrnd keeps metadata for every snapshot. */
	if ((flags & (SL_METADATA | SL_NO_METADATA)) && !(flags & SL_METADATA))
		return false;
	/* Live ones hold the disks only; libvirt's DISK_ONLY means external disk snapshots. */
	if ((flags & (SL_INACTIVE | SL_ACTIVE | SL_DISK_ONLY)) &&
	    !(flags & (off ? SL_INACTIVE : SL_ACTIVE)))
		return false;
	if ((flags & (SL_INTERNAL | SL_EXTERNAL)) && !(flags & SL_INTERNAL))
		return false;
	return true;
}

/* The snapshots a list call selects: of the domain (@of NULL) or below @of. */
static GPtrArray *select_snaps(GPtrArray *snaps, const struct acrnd_snapshot *of, uint32_t flags)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < snaps->len; i++) {
		struct acrnd_snapshot *s = snaps->pdata[i];
		bool bit0 = flags & SL_ROOTS_OR_DESCENDANTS;

		if (of && !(bit0 ? descends(snaps, s, of->name) : !strcmp(s->parent, of->name)))
			continue;
		if (!of && bit0 && !is_root(snaps, s))
			continue;
		if (filter(snaps, s, flags))
			g_ptr_array_add(out, s);
	}
	return out; /* in @snaps' topological order */
}

static bool flags_known(struct sop *o)
{
	if (o->flags & ~(uint32_t)SL_KNOWN) {
		lv_reply_error(o->c, &o->h, LV_ERR_INVALID_ARG, "unsupported flags (0x%x)",
		               o->flags & ~(uint32_t)SL_KNOWN);
		return false;
	}
	return true;
}

static void reply_list(struct sop *o, struct acrnd_vm *vm, GPtrArray *sel)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	lv_put_u32(b, o->count ? sel->len : 0);
	for (guint i = 0; o->count && i < sel->len; i++)
		put_snap(b, o->c, vm, ((struct acrnd_snapshot *)sel->pdata[i])->name);
	lv_put_i32(b, sel->len);
	lv_reply(o->c, &o->h, b);
}

static void reply_names(struct sop *o, GPtrArray *sel)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	guint n = MIN(sel->len, (guint)o->count);

	lv_put_u32(b, n);
	for (guint i = 0; i < n; i++)
		lv_put_string(b, ((struct acrnd_snapshot *)sel->pdata[i])->name);
	lv_reply(o->c, &o->h, b);
}

/* ---- queries ---- */

static void do_list(struct sop *o, struct acrnd_vm *vm, GPtrArray *snaps, struct acrnd_snapshot *s)
{
	g_autoptr(GPtrArray) sel = NULL;

	if (!flags_known(o))
		return;
	sel = select_snaps(snaps, s, o->flags);
	switch (o->h.proc) {
	case LV_DOMAIN_SNAPSHOT_NUM:
	case LV_DOMAIN_SNAPSHOT_NUM_CHILDREN:
		reply_int(o, sel->len);
		break;
	case LV_DOMAIN_SNAPSHOT_LIST_NAMES:
	case LV_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES:
		reply_names(o, sel);
		break;
	default:
		reply_list(o, vm, sel);
	}
}

static void put_xml(GString *x, const char *tag, const char *text)
{
	g_autofree char *esc = g_markup_escape_text(text, -1);

	g_string_append_printf(x, "  <%s>%s</%s>\n", tag, esc, tag);
}

static void do_get_xml(struct sop *o, struct acrnd_vm *vm, GPtrArray *snaps,
                       struct acrnd_snapshot *s)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autoptr(GString) x = g_string_new("<domainsnapshot>\n");
	g_autofree char *parent = NULL;

	(void)vm;
	(void)snaps;
	put_xml(x, "name", s->name);
	if (*s->description)
		put_xml(x, "description", s->description);
	put_xml(x, "state", s->state);
	if (*s->parent) {
		parent = g_markup_escape_text(s->parent, -1);
		g_string_append_printf(x, "  <parent>\n    <name>%s</name>\n  </parent>\n", parent);
	}
	g_string_append_printf(x, "  <creationTime>%" G_GINT64_FORMAT "</creationTime>\n",
	                       s->created);
	/* Disks only: no guest memory is saved, even when the VM ran. */
	g_string_append(x, "  <memory snapshot='no'/>\n</domainsnapshot>\n");
	lv_put_string(b, x->str);
	lv_reply(o->c, &o->h, b);
}

static void do_lookup(struct sop *o, struct acrnd_vm *vm, GPtrArray *snaps,
                      struct acrnd_snapshot *s)
{
	(void)snaps;
	reply_snap(o, vm, s->name);
}

static struct acrnd_snapshot *current(GPtrArray *snaps)
{
	for (guint i = 0; i < snaps->len; i++)
		if (((struct acrnd_snapshot *)snaps->pdata[i])->current)
			return snaps->pdata[i];
	return NULL;
}

static void do_current(struct sop *o, struct acrnd_vm *vm, GPtrArray *snaps,
                       struct acrnd_snapshot *s)
{
	(void)s;
	s = current(snaps);
	if (o->h.proc == LV_DOMAIN_HAS_CURRENT_SNAPSHOT)
		reply_int(o, s != NULL);
	else if (s)
		reply_snap(o, vm, s->name);
	else
		lv_reply_error(o->c, &o->h, LV_ERR_NO_DOMAIN_SNAPSHOT,
		               "the domain '%s' does not have a current snapshot", o->vm);
}

static void do_parent(struct sop *o, struct acrnd_vm *vm, GPtrArray *snaps,
                      struct acrnd_snapshot *s)
{
	if (is_root(snaps, s))
		lv_reply_error(o->c, &o->h, LV_ERR_NO_DOMAIN_SNAPSHOT,
		               "snapshot '%s' does not have a parent", s->name);
	else
		reply_snap(o, vm, s->parent);
}

static void do_is(struct sop *o, struct acrnd_vm *vm, GPtrArray *snaps, struct acrnd_snapshot *s)
{
	(void)vm;
	(void)snaps;
	reply_int(o, o->h.proc == LV_DOMAIN_SNAPSHOT_IS_CURRENT ? s->current : 1);
}

/* After the target: [int count;] uint flags; then the core's list and @then. */
static int call_rest(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
                     struct acrnd_vm *vm, const char *name, bool with_count, sop_fn then)
{
	int32_t count = 0;
	uint32_t flags;
	struct sop *o;
	int r = 0;

	if (with_count)
		r = lv_get_i32(in, &count);
	if (!r)
		r = flags_arg(in, &vm, &flags);
	if (r || !vm)
		return r;
	if (count < 0 || count > (int32_t)LV_DOMAINS_MAX) {
		lv_reply_error(c, h, LV_ERR_RPC, "too many snapshots requested (%d > %u)", count,
		               LV_DOMAINS_MAX);
		return 0;
	}
	o = sop_new(c, h, vm, name, flags, then);
	o->count = count;
	sop_run(o, vm);
	return 0;
}

/* A call on the domain: {dom; [int count;] uint flags}. */
static int dom_call(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
                    bool with_count, sop_fn then)
{
	struct acrnd_vm *vm;
	int r = lv_dom_arg(c, h, in, &vm);

	return r ? r : call_rest(c, h, in, vm, NULL, with_count, then);
}

/* A call on a snapshot: {snap; [int count;] uint flags}. */
static int snap_call(struct lv_client *c, const struct lv_header *h, struct lv_in *in,
                     bool with_count, sop_fn then)
{
	g_autofree char *name = NULL;
	struct acrnd_vm *vm;
	int r = snap_arg(c, h, in, &vm, &name);

	return r ? r : call_rest(c, h, in, vm, name, with_count, then);
}

#define DOM_CALL(fn, count, then)                                                       \
	static int fn(struct lv_client *c, const struct lv_header *h, struct lv_in *in) \
	{                                                                               \
		return dom_call(c, h, in, count, then);                                 \
	}
#define SNAP_CALL(fn, count, then)                                                      \
	static int fn(struct lv_client *c, const struct lv_header *h, struct lv_in *in) \
	{                                                                               \
		return snap_call(c, h, in, count, then);                                \
	}

DOM_CALL(list_all, true, do_list)
DOM_CALL(num, false, do_list)
DOM_CALL(list_names, true, do_list)
DOM_CALL(has_current, false, do_current)
DOM_CALL(get_current, false, do_current)
SNAP_CALL(list_all_children, true, do_list)
SNAP_CALL(num_children, false, do_list)
SNAP_CALL(list_children_names, true, do_list)
SNAP_CALL(get_xml_desc, false, do_get_xml)
SNAP_CALL(get_parent, false, do_parent)
SNAP_CALL(is_current, false, do_is)
SNAP_CALL(has_metadata, false, do_is)

static int lookup_by_name(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autofree char *name = NULL;
	struct acrnd_vm *vm;
	uint32_t flags;
	int r = lv_dom_arg(c, h, in, &vm);

	if (!r)
		r = lv_get_string(in, LV_STRING_MAX, &name);
	if (!r)
		r = flags_arg(in, &vm, &flags);
	if (r || !vm)
		return r;
	sop_run(sop_new(c, h, vm, name, flags, do_lookup), vm);
	return 0;
}

/* ---- create: <domainsnapshot> with a name and a description ---- */

static void silent_errors(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/*
 * Parse @xml into *@name and *@desc (NULL when absent). 0, or an error code
 * with *@why set: XML_ERROR for bad XML, OPERATION_UNSUPPORTED for what acrnd
 * cannot do (external or memory snapshots, redefinitions).
 */
static int parse_snapshot_xml(const char *xml, char **name, char **desc, char **why)
{
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	xmlNode *root;
	int code = 0;

	*name = *desc = NULL;
	if (strlen(xml) > SNAP_XML_MAX) {
		*why = g_strdup_printf("the snapshot XML is over %u bytes", SNAP_XML_MAX);
		return LV_ERR_XML_ERROR;
	}
	/* Entities need a DTD: without one there is no entity expansion to abuse. */
	if (strstr(xml, "<!DOCTYPE") || strstr(xml, "<!ENTITY")) {
		*why = g_strdup("DTDs and entity declarations are not allowed in a snapshot XML");
		return LV_ERR_XML_ERROR;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		*why = g_strdup("out of memory");
		return LV_ERR_INTERNAL;
	}
	xmlSetGenericErrorFunc(NULL, silent_errors);
	doc = xmlCtxtReadMemory(ctxt, xml, (int)strlen(xml), "domainsnapshot.xml", NULL,
	                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || doc->intSubset || strcmp((const char *)root->name, "domainsnapshot")) {
		*why = g_strdup("expected a well-formed <domainsnapshot> document");
		code = LV_ERR_XML_ERROR;
	}
	for (xmlNode *n = root ? root->children : NULL; !code && n; n = n->next) {
		const char *tag = (const char *)n->name;
		char **dst = !strcmp(tag, "name")          ? name
		             : !strcmp(tag, "description") ? desc
		                                           : NULL;
		xmlChar *text;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!dst) {
			*why = g_strdup_printf(
			        "<%s> in a snapshot: acrnd takes internal disk "
			        "snapshots described by <name> and <description> only",
			        tag);
			code = LV_ERR_OPERATION_UNSUPPORTED;
			break;
		}
		if (*dst) {
			*why = g_strdup_printf("<%s> appears twice", tag);
			code = LV_ERR_XML_ERROR;
			break;
		}
		text = xmlNodeGetContent(n);
		*dst = g_strdup(text ? (const char *)text : "");
		xmlFree(text);
	}
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (code) {
		g_clear_pointer(name, g_free);
		g_clear_pointer(desc, g_free);
	}
	return code;
}

struct create_op {
	struct lv_client *c;
	struct lv_header h;
	char *vm;
};

static void created(int rc, const GError *err, const char *name, void *user)
{
	struct create_op *o = user;
	struct acrnd_vm *vm;
	g_autoptr(GByteArray) b = g_byte_array_new();

	if (o->c->dead) {
		/* The snapshot exists; nobody waits for it. */
	} else if (rc) {
		lv_reply_errno(o->c, &o->h, rc, err);
	} else if (!(vm = acrnd_manager_lookup(o->c->srv->mgr, o->vm, NULL))) {
		lv_reply_error(o->c, &o->h, LV_ERR_NO_DOMAIN, "domain '%s' was undefined meanwhile",
		               o->vm);
	} else {
		put_snap(b, o->c, vm, name);
		lv_reply(o->c, &o->h, b);
	}
	lv_client_unref(o->c);
	g_free(o->vm);
	g_free(o);
}

static int create_xml(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autofree char *xml = NULL, *name = NULL, *desc = NULL, *why = NULL;
	g_autoptr(GError) err = NULL;
	struct acrnd_vm *vm;
	struct create_op *o;
	uint32_t flags;
	int code, r = lv_dom_arg(c, h, in, &vm);

	if (!r)
		r = lv_get_string(in, LV_STRING_MAX, &xml);
	if (!r)
		r = flags_arg(in, &vm, &flags);
	if (r || !vm)
		return r;
	if (flags & ~CREATE_OK) {
		lv_reply_error(c, h, LV_ERR_NO_SUPPORT,
		               "snapshot flags 0x%x (acrnd takes internal disk snapshots: no "
		               "redefine, halt, disk-only, quiesce or reuse-external)",
		               flags & ~CREATE_OK);
		return 0;
	}
	code = parse_snapshot_xml(xml, &name, &desc, &why);
	if (code) {
		lv_reply_error(c, h, code, "%s", why);
		return 0;
	}
	if (name && acrnd_snapshot_name_check(name, &err) < 0) {
		lv_reply_error(c, h, LV_ERR_INVALID_ARG, "%s", err->message);
		return 0;
	}
	if (desc && strlen(desc) > ACRND_SNAPSHOT_DESC_MAX) {
		lv_reply_error(c, h, LV_ERR_INVALID_ARG, "the description is over %d bytes",
		               ACRND_SNAPSHOT_DESC_MAX);
		return 0;
	}
	o = g_new0(struct create_op, 1);
	o->c = lv_client_ref(c);
	o->h = *h;
	o->vm = g_strdup(acrnd_vm_name(vm));
	acrnd_vm_snapshot_create(vm, name ? name : "", desc ? desc : "", created, o);
	return 0;
}

/* ---- revert and delete ---- */

struct change_op {
	struct lv_client *c;
	struct lv_header h;
};

static void changed(int rc, const GError *err, void *user)
{
	struct change_op *o = user;

	if (!o->c->dead) {
		if (rc)
			lv_reply_errno(o->c, &o->h, rc, err);
		else
			lv_reply(o->c, &o->h, NULL);
	}
	lv_client_unref(o->c);
	g_free(o);
}

static int change(struct lv_client *c, const struct lv_header *h, struct lv_in *in, bool revert)
{
	g_autofree char *name = NULL;
	struct acrnd_vm *vm;
	struct change_op *o;
	uint32_t flags;
	int r = snap_arg(c, h, in, &vm, &name);

	if (!r)
		r = flags_arg(in, &vm, &flags);
	if (r || !vm)
		return r;
	if (revert && (flags & ~REVERT_OK)) {
		lv_reply_error(c, h, LV_ERR_NO_SUPPORT,
		               "revert flags 0x%x: acrnd reverts the disks of a shut-off VM and "
		               "leaves it off (start it afterwards)",
		               flags & ~REVERT_OK);
		return 0;
	}
	if (!revert && flags) {
		lv_reply_error(c, h, LV_ERR_NO_SUPPORT,
		               "delete flags 0x%x: acrnd deletes one snapshot with its data "
		               "(no children or metadata-only deletion)",
		               flags);
		return 0;
	}
	o = g_new0(struct change_op, 1);
	o->c = lv_client_ref(c);
	o->h = *h;
	if (revert)
		acrnd_vm_snapshot_revert(vm, name, changed, o);
	else
		acrnd_vm_snapshot_delete(vm, name, changed, o);
	return 0;
}

static int revert(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	return change(c, h, in, true);
}

static int delete (struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	return change(c, h, in, false);
}

static const struct {
	int proc;
	lv_handler_fn fn;
	bool writes;
} snapshot_procs[] = {
	{ LV_DOMAIN_SNAPSHOT_CREATE_XML, create_xml, true },
	{ LV_DOMAIN_SNAPSHOT_GET_XML_DESC, get_xml_desc, false },
	{ LV_DOMAIN_SNAPSHOT_NUM, num, false },
	{ LV_DOMAIN_SNAPSHOT_LIST_NAMES, list_names, false },
	{ LV_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, lookup_by_name, false },
	{ LV_DOMAIN_HAS_CURRENT_SNAPSHOT, has_current, false },
	{ LV_DOMAIN_SNAPSHOT_CURRENT, get_current, false },
	{ LV_DOMAIN_REVERT_TO_SNAPSHOT, revert, true },
	{ LV_DOMAIN_SNAPSHOT_DELETE, delete, true },
	{ LV_DOMAIN_SNAPSHOT_GET_PARENT, get_parent, false },
	{ LV_DOMAIN_SNAPSHOT_NUM_CHILDREN, num_children, false },
	{ LV_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES, list_children_names, false },
	{ LV_DOMAIN_SNAPSHOT_IS_CURRENT, is_current, false },
	{ LV_DOMAIN_SNAPSHOT_HAS_METADATA, has_metadata, false },
	{ LV_DOMAIN_LIST_ALL_SNAPSHOTS, list_all, false },
	{ LV_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN, list_all_children, false },
};

lv_handler_fn lv_snapshot_handler(int proc, bool *writes)
{
	for (size_t i = 0; i < G_N_ELEMENTS(snapshot_procs); i++) {
		if (snapshot_procs[i].proc == proc) {
			*writes = snapshot_procs[i].writes;
			return snapshot_procs[i].fn;
		}
	}
	return NULL;
}
