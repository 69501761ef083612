/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshot operations (snapshot.h). A running or paused VM's disks belong to
 * its acrn-dm: acrnd asks it through the monitor (snapshot-create quiesces
 * them together, api/monitor.md §5a). A VM that is off has nobody writing
 * its images, so acrnd opens them itself through the block engine (dm/block,
 * linked as libblk) and works on them synchronously.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <dm/block.h>

#include "qcow2_api.h"
#include "snapshot_priv.h"
#include "vm_priv.h"

/* Taken on every disk before a revert and applied again if one disk fails. */
#define UNDO_NAME ".acrnd-revert-undo"

static void emit_snapshot(struct acrnd_vm *vm, const char *what, const char *name);

static int fail(GError **error, int rc, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static int fail(GError **error, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (error && !*error)
		*error = g_error_new_valist(ACRND_ERROR, -rc, fmt, ap);
	va_end(ap);
	return rc;
}

int acrnd_snapshot_name_check(const char *name, GError **error)
{
	if (!*name || strlen(name) > ACRND_SNAPSHOT_NAME_MAX || !g_utf8_validate(name, -1, NULL))
		return fail(error, -EINVAL, "snapshot name must be 1-%d bytes of UTF-8",
		            ACRND_SNAPSHOT_NAME_MAX);
	if (name[0] == '.')
		return fail(error, -EINVAL, "snapshot name '%s' starts with '.' (kept for acrnd)",
		            name);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(error, -EINVAL, "snapshot name contains a control character");
	return 0;
}

/* ---- the disks ---- */

/* The disks a snapshot covers: every writable one, all qcow2. */
static GPtrArray *snap_disks(struct acrnd_vm *vm, GError **error)
{
	const struct acrnd_def *def = vm->def;
	GPtrArray *a = g_ptr_array_new();

	for (guint i = 0; i < def->disks->len; i++) {
		struct acrnd_disk *d = def->disks->pdata[i];

		if (d->readonly)
			continue;
		if (strcmp(d->format, "qcow2")) {
			fail(error, -EOPNOTSUPP,
			     "VM '%s': disk '%s' (%s) is %s: internal snapshots need every "
			     "writable disk in qcow2",
			     def->name, d->target, d->file, d->format);
			g_ptr_array_unref(a);
			return NULL;
		}
		g_ptr_array_add(a, d);
	}
	if (a->len == 0) {
		fail(error, -EOPNOTSUPP, "VM '%s' has no writable qcow2 disk to snapshot",
		     def->name);
		g_ptr_array_unref(a);
		return NULL;
	}
	return a;
}

/* The offline path: the images, opened by acrnd (the VM is off). */
struct images {
	GPtrArray *disks; /* struct acrnd_disk, borrowed from the definition */
	struct blk_image **img;
};

static void images_close(struct images *im)
{
	for (guint i = 0; im->disks && i < im->disks->len; i++)
		if (im->img[i])
			blk_close(im->img[i]);
	g_free(im->img);
	if (im->disks)
		g_ptr_array_unref(im->disks);
}

static int images_open(struct acrnd_vm *vm, bool ro, struct images *im, GError **error)
{
	*im = (struct images){ 0 };
	im->disks = snap_disks(vm, error);
	if (!im->disks)
		return (*error)->code ? -(*error)->code : -EINVAL;
	im->img = g_new0(struct blk_image *, im->disks->len);
	for (guint i = 0; i < im->disks->len; i++) {
		struct acrnd_disk *d = im->disks->pdata[i];
		g_autoptr(GError) e = NULL;

		im->img[i] = blk_open(d->file, "qcow2", ro, &e);
		if (!im->img[i]) {
			images_close(im);
			return fail(error, -EIO, "VM '%s': disk '%s': %s", vm->def->name, d->target,
			            e->message);
		}
	}
	return 0;
}

static struct acrnd_disk *disk_at(struct images *im, guint i)
{
	return im->disks->pdata[i];
}

/* ---- monitor replies ---- */

static int monitor_rc(int rc, const char *klass)
{
	if (rc == -ECANCELED)
		return rc;
	if (rc == -ECONNRESET || !klass)
		return -EIO;
	if (!strcmp(klass, "SnapshotNotFound"))
		return -ENODATA;
	if (!strcmp(klass, "InvalidArgument") || !strcmp(klass, "DeviceNotFound"))
		return -EINVAL;
	if (!strcmp(klass, "Busy"))
		return -EBUSY;
	return -EIO;
}

struct op {
	struct acrnd_vm *vm;
	char *name, *description, *state;
	acrnd_snapshot_created_fn created;
	acrnd_snapshot_list_fn listed;
	acrnd_done_fn done;
	void *user;
	GPtrArray *targets; /* disk ids (char *) */
};

static void op_free(struct op *o)
{
	g_free(o->name);
	g_free(o->description);
	g_free(o->state);
	if (o->targets)
		g_ptr_array_unref(o->targets);
	g_free(o);
}

static int execute(struct acrnd_vm *vm, const char *cmd, JsonObject *args,
                   acrnd_monitor_reply_fn fn, struct op *o, GError **error)
{
	/* It takes @args even when it fails. */
	if (acrnd_monitor_execute(vm->mon, cmd, args, fn, o) < 0)
		return fail(error, -EBUSY, "VM '%s': its monitor is not connected", vm->def->name);
	return 0;
}

/* ---- create ---- */

static void created(struct acrnd_vm *vm, const char *name, const char *description,
                    const char *state)
{
	struct snapshot_meta *m = snapshot_meta_load(vm->mgr->store, vm->def->name);
	g_autoptr(GError) err = NULL;

	snapshot_meta_remove(m, name); /* a stale entry of a snapshot deleted behind acrnd's back */
	g_ptr_array_add(m->snaps, snapshot_meta_entry(name, description, (int64_t)time(NULL), state,
	                                              m->current ? m->current : ""));
	g_free(m->current);
	m->current = g_strdup(name);
	if (snapshot_meta_save(m, &err) < 0)
		g_warning("VM %s: snapshot '%s' taken, but its metadata was not saved: %s",
		          vm->def->name, name, err->message);
	snapshot_meta_free(m);
	emit_snapshot(vm, "created", name);
}

static void create_replied(int rc, JsonNode *ret, const char *klass, const char *desc, void *user)
{
	struct op *o = user;
	g_autoptr(GError) err = NULL;

	(void)ret;
	if (rc == -ECANCELED) {
		err = g_error_new(ACRND_ERROR, ECANCELED, "snapshot-create: canceled");
	} else if (rc) {
		rc = monitor_rc(rc, klass);
		err = g_error_new(ACRND_ERROR, -rc, "VM '%s': %s", o->vm->def->name,
		                  desc ? desc : "the monitor connection was lost");
	} else {
		created(o->vm, o->name, o->description, o->state);
	}
	o->created(rc, err, o->name, o->user);
	op_free(o);
}

static int create_offline(struct acrnd_vm *vm, const char *name, GError **error)
{
	struct images im;
	guint i;
	int rc;

	rc = images_open(vm, false, &im, error);
	if (rc)
		return rc;
	for (i = 0; i < im.disks->len; i++)
		if (qcow2_snapshot_named(im.img[i], name)) {
			rc = fail(error, -EINVAL,
			          "VM '%s': disk '%s' (%s) already has a snapshot '%s'",
			          vm->def->name, disk_at(&im, i)->target, disk_at(&im, i)->file,
			          name);
			goto out;
		}
	for (i = 0; i < im.disks->len; i++) {
		g_autoptr(GError) e = NULL;

		rc = qcow2_snapshot_create(im.img[i], name, &e);
		if (rc < 0) {
			/* All or nothing. */
			for (guint k = 0; k < i; k++)
				qcow2_snapshot_delete(im.img[k], name, NULL);
			rc = fail(error, -EIO,
			          "VM '%s': disk '%s': %s; no disk keeps snapshot '%s'",
			          vm->def->name, disk_at(&im, i)->target, e->message, name);
			goto out;
		}
	}
out:
	images_close(&im);
	return rc;
}

void acrnd_vm_snapshot_create(struct acrnd_vm *vm, const char *name, const char *description,
                              acrnd_snapshot_created_fn done, void *user)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *gen = NULL;
	g_autoptr(GPtrArray) disks = NULL;
	struct op *o;
	int rc;

	if (!*name)
		name = gen = g_strdup_printf("%lld", (long long)time(NULL));
	rc = acrnd_snapshot_name_check(name, &err);
	if (!rc && strlen(description) > ACRND_SNAPSHOT_DESC_MAX)
		rc = fail(&err, -EINVAL, "snapshot description longer than %d bytes",
		          ACRND_SNAPSHOT_DESC_MAX);
	if (!rc) {
		disks = snap_disks(vm, &err);
		if (!disks)
			rc = -err->code;
	}
	if (rc) {
		done(rc, err, name, user);
		return;
	}
	switch (vm->state) {
	case ACRND_STATE_SHUTOFF:
	case ACRND_STATE_CRASHED:
		rc = create_offline(vm, name, &err);
		if (!rc)
			created(vm, name, description, acrnd_state_to_string(vm->state));
		done(rc, err, name, user);
		return;
	case ACRND_STATE_RUNNING:
	case ACRND_STATE_PAUSED: {
		JsonObject *args = json_object_new();
		JsonArray *ids = json_array_new();

		o = g_new0(struct op, 1);
		o->vm = vm;
		o->name = g_strdup(name);
		o->description = g_strdup(description);
		o->state = g_strdup(acrnd_state_to_string(vm->state));
		o->created = done;
		o->user = user;
		for (guint i = 0; i < disks->len; i++)
			json_array_add_string_element(
			        ids, ((struct acrnd_disk *)disks->pdata[i])->target);
		json_object_set_string_member(args, "name", name);
		json_object_set_array_member(args, "disks", ids);
		rc = execute(vm, "snapshot-create", args, create_replied, o, &err);
		if (rc) {
			op_free(o);
			done(rc, err, name, user);
		}
		return;
	}
	default:
		fail(&err, -EBUSY, "VM '%s' is %s: snapshots need it running, paused or shut off",
		     vm->def->name, acrnd_state_to_string(vm->state));
		done(-EBUSY, err, name, user);
	}
}

/* ---- list ---- */

/* Snapshots found on the disks (name → struct acrnd_snapshot), completed from the metadata. */
static GPtrArray *merge(struct acrnd_vm *vm, GHashTable *found)
{
	struct snapshot_meta *m = snapshot_meta_load(vm->mgr->store, vm->def->name);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)acrnd_snapshot_free);
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, found);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct acrnd_snapshot *s = v, *meta = snapshot_meta_find(m, s->name);
		struct acrnd_snapshot *r;

		r = meta ? snapshot_meta_entry(s->name, meta->description, meta->created,
		                               meta->state, meta->parent)
		         : snapshot_meta_entry(s->name, "", s->created, "", "");
		r->ndisks = s->ndisks;
		r->current = m->current && !strcmp(m->current, s->name);
		g_ptr_array_add(out, r);
	}
	snapshot_meta_free(m);
	for (guint i = 1; i < out->len; i++)
		for (guint k = i; k > 0; k--) {
			struct acrnd_snapshot *a = out->pdata[k - 1], *b = out->pdata[k];

			if (a->created < b->created ||
			    (a->created == b->created && strcmp(a->name, b->name) <= 0))
				break;
			out->pdata[k - 1] = b;
			out->pdata[k] = a;
		}
	return out;
}

static void found_add(GHashTable *found, const char *name, int64_t date)
{
	struct acrnd_snapshot *s;

	if (name[0] == '.')
		return; /* acrnd's own */
	s = g_hash_table_lookup(found, name);
	if (!s) {
		s = snapshot_meta_entry(name, "", date, "", "");
		g_hash_table_insert(found, s->name, s);
	}
	s->ndisks++;
	if (date < s->created)
		s->created = date;
}

static GHashTable *found_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	                             (GDestroyNotify)acrnd_snapshot_free);
}

static void list_replied(int rc, JsonNode *ret, const char *klass, const char *desc, void *user)
{
	struct op *o = user;
	g_autoptr(GError) err = NULL;
	g_autoptr(GHashTable) found = found_new();
	g_autoptr(GPtrArray) out = NULL;
	JsonObject *r = ret && JSON_NODE_HOLDS_OBJECT(ret) ? json_node_get_object(ret) : NULL;
	JsonNode *dn = r ? json_object_get_member(r, "disks") : NULL;
	JsonArray *disks = dn && JSON_NODE_HOLDS_ARRAY(dn) ? json_node_get_array(dn) : NULL;

	if (rc == -ECANCELED) {
		err = g_error_new(ACRND_ERROR, ECANCELED, "snapshot-list: canceled");
		o->listed(rc, err, NULL, o->user);
		op_free(o);
		return;
	}
	if (rc || !disks) {
		rc = rc ? monitor_rc(rc, klass) : -EIO;
		err = g_error_new(ACRND_ERROR, -rc, "VM '%s': snapshot-list: %s", o->vm->def->name,
		                  desc ? desc : "no disks in the reply");
		o->listed(rc, err, NULL, o->user);
		op_free(o);
		return;
	}
	for (guint i = 0; i < json_array_get_length(disks); i++) {
		JsonObject *d = json_array_get_object_element(disks, i);
		JsonArray *sn;

		if (!d || !json_object_has_member(d, "snapshots") ||
		    !g_ptr_array_find_with_equal_func(o->targets,
		                                      json_object_get_string_member(d, "device"),
		                                      g_str_equal, NULL))
			continue;
		sn = json_object_get_array_member(d, "snapshots");
		for (guint k = 0; sn && k < json_array_get_length(sn); k++) {
			JsonObject *s = json_array_get_object_element(sn, k);

			found_add(found, json_object_get_string_member(s, "name"),
			          json_object_get_int_member(s, "date_sec"));
		}
	}
	out = merge(o->vm, found);
	o->listed(0, NULL, out, o->user);
	op_free(o);
}

void acrnd_vm_snapshot_list(struct acrnd_vm *vm, acrnd_snapshot_list_fn done, void *user)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GHashTable) found = found_new();
	g_autoptr(GPtrArray) out = NULL;
	struct images im;
	struct op *o;
	int rc;

	switch (vm->state) {
	case ACRND_STATE_SHUTOFF:
	case ACRND_STATE_CRASHED:
		rc = images_open(vm, true, &im, &err);
		if (rc == -EOPNOTSUPP) {
			/* No qcow2 disk: no snapshot either. */
			out = merge(vm, found);
			done(0, NULL, out, user);
			return;
		}
		if (rc) {
			done(rc, err, NULL, user);
			return;
		}
		for (guint i = 0; i < im.disks->len; i++) {
			struct qcow2_snapshot_info *info = NULL;
			unsigned n = 0;

			if (qcow2_snapshot_list(im.img[i], &info, &n) < 0)
				continue;
			for (unsigned k = 0; k < n; k++)
				found_add(found, info[k].name, (int64_t)info[k].date_sec);
			g_free(info);
		}
		images_close(&im);
		out = merge(vm, found);
		done(0, NULL, out, user);
		return;
	case ACRND_STATE_RUNNING:
	case ACRND_STATE_PAUSED:
	case ACRND_STATE_SHUTTING_DOWN:
	case ACRND_STATE_SUSPENDED: {
		g_autoptr(GPtrArray) disks = snap_disks(vm, NULL);

		o = g_new0(struct op, 1);
		o->vm = vm;
		o->listed = done;
		o->user = user;
		o->targets = g_ptr_array_new_with_free_func(g_free);
		for (guint i = 0; disks && i < disks->len; i++)
			g_ptr_array_add(o->targets,
			                g_strdup(((struct acrnd_disk *)disks->pdata[i])->target));
		rc = execute(vm, "snapshot-list", NULL, list_replied, o, &err);
		if (rc) {
			op_free(o);
			done(rc, err, NULL, user);
		}
		return;
	}
	default:
		fail(&err, -EBUSY, "VM '%s' is %s", vm->def->name,
		     acrnd_state_to_string(vm->state));
		done(-EBUSY, err, NULL, user);
	}
}

/* ---- delete ---- */

static void deleted(struct acrnd_vm *vm, const char *name)
{
	struct snapshot_meta *m = snapshot_meta_load(vm->mgr->store, vm->def->name);
	g_autoptr(GError) err = NULL;

	snapshot_meta_remove(m, name);
	if (snapshot_meta_save(m, &err) < 0)
		g_warning("VM %s: snapshot '%s' deleted, but the metadata was not saved: %s",
		          vm->def->name, name, err->message);
	snapshot_meta_free(m);
	emit_snapshot(vm, "deleted", name);
}

static void delete_replied(int rc, JsonNode *ret, const char *klass, const char *desc, void *user)
{
	struct op *o = user;
	g_autoptr(GError) err = NULL;

	(void)ret;
	if (rc == -ECANCELED) {
		err = g_error_new(ACRND_ERROR, ECANCELED, "snapshot-delete: canceled");
	} else if (rc) {
		rc = monitor_rc(rc, klass);
		err = g_error_new(ACRND_ERROR, -rc, "VM '%s': %s", o->vm->def->name,
		                  desc ? desc : "the monitor connection was lost");
	} else {
		deleted(o->vm, o->name);
	}
	o->done(rc, err, o->user);
	op_free(o);
}

static int delete_offline(struct acrnd_vm *vm, const char *name, GError **error)
{
	g_autoptr(GString) failed = g_string_new(NULL);
	struct images im;
	unsigned done = 0;
	int rc;

	rc = images_open(vm, false, &im, error);
	if (rc)
		return rc;
	for (guint i = 0; i < im.disks->len; i++) {
		g_autoptr(GError) e = NULL;

		if (!qcow2_snapshot_named(im.img[i], name))
			continue;
		if (qcow2_snapshot_delete(im.img[i], name, &e) < 0) {
			g_string_append_printf(failed, "%sdisk '%s': %s", failed->len ? "; " : "",
			                       disk_at(&im, i)->target, e->message);
			rc = -EIO;
		} else {
			done++;
		}
	}
	images_close(&im);
	if (rc)
		return fail(error, rc, "VM '%s': %s", vm->def->name, failed->str);
	if (!done)
		return fail(error, -ENODATA, "VM '%s' has no snapshot '%s'", vm->def->name, name);
	return 0;
}

void acrnd_vm_snapshot_delete(struct acrnd_vm *vm, const char *name, acrnd_done_fn done, void *user)
{
	g_autoptr(GError) err = NULL;
	struct op *o;
	int rc;

	if (!*name || strlen(name) > 255 || name[0] == '.') {
		fail(&err, -EINVAL, "'%s' is not a snapshot name", name);
		done(-EINVAL, err, user);
		return;
	}
	switch (vm->state) {
	case ACRND_STATE_SHUTOFF:
	case ACRND_STATE_CRASHED:
		rc = delete_offline(vm, name, &err);
		if (!rc)
			deleted(vm, name);
		done(rc, err, user);
		return;
	case ACRND_STATE_RUNNING:
	case ACRND_STATE_PAUSED: {
		JsonObject *args = json_object_new();

		o = g_new0(struct op, 1);
		o->vm = vm;
		o->name = g_strdup(name);
		o->done = done;
		o->user = user;
		json_object_set_string_member(args, "name", name);
		rc = execute(vm, "snapshot-delete", args, delete_replied, o, &err);
		if (rc) {
			op_free(o);
			done(rc, err, user);
		}
		return;
	}
	default:
		fail(&err, -EBUSY, "VM '%s' is %s", vm->def->name,
		     acrnd_state_to_string(vm->state));
		done(-EBUSY, err, user);
	}
}

/* ---- revert ---- */

static int revert_offline(struct acrnd_vm *vm, const char *name, GError **error)
{
	struct images im;
	guint i, undone = 0, applied = 0;
	int rc;

	rc = images_open(vm, false, &im, error);
	if (rc)
		return rc;
	for (i = 0; i < im.disks->len; i++)
		if (!qcow2_snapshot_named(im.img[i], name)) {
			rc = fail(error, -ENODATA, "VM '%s': disk '%s' (%s) has no snapshot '%s'",
			          vm->def->name, disk_at(&im, i)->target, disk_at(&im, i)->file,
			          name);
			goto out;
		}
	/* All or nothing: the current state of every disk first, to go back to. */
	for (i = 0; i < im.disks->len && !rc; i++) {
		g_autoptr(GError) e = NULL;

		if (qcow2_snapshot_named(im.img[i], UNDO_NAME))
			qcow2_snapshot_delete(im.img[i], UNDO_NAME, NULL); /* a crash's leftover */
		rc = qcow2_snapshot_create(im.img[i], UNDO_NAME, &e);
		if (rc < 0)
			rc = fail(error, -EIO, "VM '%s': disk '%s': saving its state first: %s",
			          vm->def->name, disk_at(&im, i)->target, e->message);
		else
			undone++;
	}
	for (i = 0; i < im.disks->len && !rc; i++) {
		g_autoptr(GError) e = NULL;

		rc = qcow2_snapshot_apply(im.img[i], name, &e);
		if (rc < 0)
			rc = fail(error, -EIO, "VM '%s': disk '%s': %s; no disk was reverted",
			          vm->def->name, disk_at(&im, i)->target, e->message);
		else
			applied++;
	}
	if (rc)
		for (i = 0; i < applied; i++)
			qcow2_snapshot_apply(im.img[i], UNDO_NAME, NULL);
	for (i = 0; i < undone; i++)
		qcow2_snapshot_delete(im.img[i], UNDO_NAME, NULL);
out:
	images_close(&im);
	return rc;
}

void acrnd_vm_snapshot_revert(struct acrnd_vm *vm, const char *name, acrnd_done_fn done, void *user)
{
	g_autoptr(GError) err = NULL;
	struct snapshot_meta *m;
	int rc;

	if (vm->state != ACRND_STATE_SHUTOFF && vm->state != ACRND_STATE_CRASHED) {
		fail(&err, -EBUSY,
		     "VM '%s' is %s: revert needs it shut off (its RAM is not in the snapshot)",
		     vm->def->name, acrnd_state_to_string(vm->state));
		done(-EBUSY, err, user);
		return;
	}
	if (!*name || strlen(name) > 255 || name[0] == '.') {
		fail(&err, -EINVAL, "'%s' is not a snapshot name", name);
		done(-EINVAL, err, user);
		return;
	}
	rc = revert_offline(vm, name, &err);
	if (rc) {
		done(rc, err, user);
		return;
	}
	m = snapshot_meta_load(vm->mgr->store, vm->def->name);
	g_free(m->current);
	m->current = g_strdup(name);
	if (snapshot_meta_save(m, &err) < 0)
		g_warning("VM %s: reverted to '%s', but the metadata was not saved: %s",
		          vm->def->name, name, err->message);
	snapshot_meta_free(m);
	emit_snapshot(vm, "reverted", name);
	done(0, NULL, user);
}

static void emit_snapshot(struct acrnd_vm *vm, const char *what, const char *name)
{
	manager_emit_snapshot(vm->mgr, vm, what, name);
}
