/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live disk snapshots (api/monitor.md §5): internal QCOW2 snapshots of every
 * disk (or the listed ones) at one point in time, and external ones (a new
 * overlay on top of the current image). The disks are quiesced at the device
 * (no new requests taken, those in flight drained) while the images change;
 * the vCPUs keep running, so the guest only sees its disk requests wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dm/block.h>
#include <dm/log.h>
#include <dm/monitor.h>

#include "../block/qcow2_api.h"
#include "monitor_priv.h"

#define SNAPSHOT_NAME_MAX 128

struct disk {
	char *id;
	struct blk_image *img;
};

static void disk_clear(gpointer p)
{
	g_free(((struct disk *)p)->id);
}

static int collect(const char *id, struct blk_image *img, void *opaque)
{
	struct disk d = { g_strdup(id), img };

	g_array_append_val(opaque, d);
	return 0;
}

/* Every disk of @vm, sorted by id. */
static GArray *disks_all(struct dm_vm *vm)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct disk));

	g_array_set_clear_func(a, disk_clear);
	dm_blk_foreach(vm, collect, a);
	for (guint i = 1; i < a->len; i++)
		for (guint k = i; k > 0 && strcmp(g_array_index(a, struct disk, k - 1).id,
		                                  g_array_index(a, struct disk, k).id) > 0;
		     k--) {
			struct disk t = g_array_index(a, struct disk, k);

			g_array_index(a, struct disk, k) = g_array_index(a, struct disk, k - 1);
			g_array_index(a, struct disk, k - 1) = t;
		}
	return a;
}

static struct disk *disk_find(GArray *a, const char *id)
{
	for (guint i = 0; i < a->len; i++)
		if (!strcmp(g_array_index(a, struct disk, i).id, id))
			return &g_array_index(a, struct disk, i);
	return NULL;
}

static JsonNode *node_take(JsonObject *o)
{
	JsonNode *n = json_node_init_object(json_node_alloc(), o);

	json_object_unref(o);
	return n;
}

static int name_check(const char *cmd, const char *name, GError **error)
{
	if (!*name || strlen(name) > SNAPSHOT_NAME_MAX || !g_utf8_validate(name, -1, NULL)) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
		            "%s: argument 'name' must be 1-%d bytes of UTF-8", cmd,
		            SNAPSHOT_NAME_MAX);
		return -EINVAL;
	}
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
			            "%s: argument 'name' contains a control character", cmd);
			return -EINVAL;
		}
	return 0;
}

/* The disks snapshot-create works on: @args' "disks", or all; each qcow2 and writable. */
static GArray *targets(struct dm_vm *vm, JsonObject *args, const char *name, GError **error)
{
	g_autoptr(GArray) all = disks_all(vm);
	GArray *t = g_array_new(FALSE, TRUE, sizeof(struct disk));
	JsonArray *want = json_object_has_member(args, "disks")
	                          ? json_object_get_array_member(args, "disks")
	                          : NULL;

	g_array_set_clear_func(t, disk_clear);
	if (want && json_array_get_length(want) == 0) {
		g_set_error_literal(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
		                    "snapshot-create: argument 'disks' is empty (omit it for all)");
		goto fail;
	}
	for (guint i = 0; i < (want ? json_array_get_length(want) : all->len); i++) {
		const char *id = want ? json_array_get_string_element(want, i)
		                      : g_array_index(all, struct disk, i).id;
		struct disk *d = disk_find(all, id);
		struct disk copy;

		if (!d) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_DEVICE_NOT_FOUND,
			            "snapshot-create: no block device '%s'", id);
			goto fail;
		}
		/* By default only the disks the guest can change: a read-only one needs none. */
		if (!want && d->img->read_only)
			continue;
		if (disk_find(t, id)) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
			            "snapshot-create: disk '%s' is listed twice", id);
			goto fail;
		}
		if (!blk_is_qcow2(d->img)) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
			            "snapshot-create: disk '%s' (%s) is a %s image: internal "
			            "snapshots need qcow2%s",
			            id, d->img->path, d->img->drv->name,
			            want ? "" : " (list the qcow2 disks in 'disks')");
			goto fail;
		}
		if (d->img->read_only) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
			            "snapshot-create: disk '%s' (%s) is read-only", id,
			            d->img->path);
			goto fail;
		}
		if (qcow2_snapshot_named(d->img, name)) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
			            "snapshot-create: disk '%s' (%s) already has a snapshot '%s'",
			            id, d->img->path, name);
			goto fail;
		}
		copy = (struct disk){ g_strdup(id), d->img };
		g_array_append_val(t, copy);
	}
	if (t->len == 0) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_DEVICE_NOT_FOUND,
		            "snapshot-create: the VM has no disk to snapshot");
		goto fail;
	}
	return t;
fail:
	g_array_unref(t);
	return NULL;
}

static void quiesce_all(struct dm_vm *vm, GArray *t, bool on)
{
	for (guint i = 0; i < t->len; i++)
		dm_blk_quiesce(vm, g_array_index(t, struct disk, i).id, on);
}

JsonNode *snapshot_cmd_create(struct dm_vm *vm, JsonObject *args, GError **error)
{
	const char *name = json_object_get_string_member(args, "name");
	g_autoptr(GArray) t = NULL;
	g_autoptr(GError) err = NULL;
	JsonObject *ret, *ev;
	JsonArray *done;
	gint64 t0, us;
	guint i;
	int rc = 0;

	if (name_check("snapshot-create", name, error) < 0)
		return NULL;
	t = targets(vm, args, name, error);
	if (!t)
		return NULL;
	/* One point in time for all disks: every one is quiet before the first is taken. */
	t0 = g_get_monotonic_time();
	quiesce_all(vm, t, true);
	for (i = 0; i < t->len && rc == 0; i++)
		rc = qcow2_snapshot_create(g_array_index(t, struct disk, i).img, name, &err);
	if (rc < 0) {
		/* All or nothing: take back the ones already made. */
		for (guint k = 0; k + 1 < i; k++) {
			g_autoptr(GError) e2 = NULL;
			struct disk *d = &g_array_index(t, struct disk, k);

			if (qcow2_snapshot_delete(d->img, name, &e2) < 0)
				dm_warn("snapshot-create: cannot remove '%s' from disk '%s' again: "
				        "%s",
				        name, d->id, e2->message);
		}
	}
	quiesce_all(vm, t, false);
	us = g_get_monotonic_time() - t0;
	if (rc < 0) {
		g_set_error(
		        error, MONITOR_ERROR, MONITOR_ERROR_FAILED,
		        "snapshot-create: disk '%s': %s (errno %d); no disk keeps snapshot '%s'",
		        g_array_index(t, struct disk, i - 1).id, err->message, -rc, name);
		return NULL;
	}
	ret = json_object_new();
	done = json_array_new();
	for (i = 0; i < t->len; i++)
		json_array_add_string_element(done, g_array_index(t, struct disk, i).id);
	json_object_set_string_member(ret, "name", name);
	json_object_set_array_member(ret, "disks", done);
	json_object_set_int_member(ret, "quiesced_us", us);
	ev = json_object_new();
	json_object_set_string_member(ev, "name", name);
	json_object_set_array_member(ev, "disks", json_array_ref(done));
	json_object_set_int_member(ev, "quiesced_us", us);
	dm_event_emit("snapshot_created", ev);
	dm_info("snapshot '%s' of %u disk(s), disks quiesced for %lld us", name, t->len,
	        (long long)us);
	return node_take(ret);
}

JsonNode *snapshot_cmd_list(struct dm_vm *vm, JsonObject *args, GError **error)
{
	g_autoptr(GArray) all = disks_all(vm);
	JsonObject *ret = json_object_new();
	JsonArray *disks = json_array_new();

	(void)args;
	(void)error;
	for (guint i = 0; i < all->len; i++) {
		struct disk *d = &g_array_index(all, struct disk, i);
		JsonObject *o = json_object_new();
		JsonArray *snaps = json_array_new();
		struct qcow2_snapshot_info *info = NULL;
		unsigned n = 0;

		json_object_set_string_member(o, "device", d->id);
		json_object_set_string_member(o, "path", d->img->path);
		json_object_set_string_member(o, "format", d->img->drv->name);
		if (blk_is_qcow2(d->img) && qcow2_snapshot_list(d->img, &info, &n) == 0) {
			for (unsigned k = 0; k < n; k++) {
				JsonObject *s = json_object_new();

				json_object_set_string_member(s, "id", info[k].id);
				json_object_set_string_member(s, "name", info[k].name);
				json_object_set_int_member(s, "date_sec", (gint64)info[k].date_sec);
				json_object_set_int_member(s, "date_nsec", info[k].date_nsec);
				json_object_set_int_member(s, "vm_clock_nsec",
				                           (gint64)info[k].vm_clock_nsec);
				json_object_set_int_member(s, "vm_state_size",
				                           (gint64)info[k].vm_state_size);
				json_object_set_int_member(s, "disk_size",
				                           (gint64)info[k].disk_size);
				json_array_add_object_element(snaps, s);
			}
			g_free(info);
		}
		json_object_set_array_member(o, "snapshots", snaps);
		json_array_add_object_element(disks, o);
	}
	json_object_set_array_member(ret, "disks", disks);
	return node_take(ret);
}

JsonNode *snapshot_cmd_delete(struct dm_vm *vm, JsonObject *args, GError **error)
{
	const char *name = json_object_get_string_member(args, "name");
	g_autoptr(GArray) all = disks_all(vm);
	g_autoptr(GString) failed = g_string_new(NULL);
	JsonArray *done = json_array_new();
	JsonObject *ret, *ev;
	int rc = 0;

	if (name_check("snapshot-delete", name, error) < 0) {
		json_array_unref(done);
		return NULL;
	}
	/* The engine's own barrier suffices: nothing the guest sees changes. */
	for (guint i = 0; i < all->len; i++) {
		struct disk *d = &g_array_index(all, struct disk, i);
		g_autoptr(GError) err = NULL;
		int r;

		if (!blk_is_qcow2(d->img) || !qcow2_snapshot_named(d->img, name))
			continue;
		r = qcow2_snapshot_delete(d->img, name, &err);
		if (r < 0) {
			g_string_append_printf(failed, "%sdisk '%s': %s (errno %d)",
			                       failed->len ? "; " : "", d->id, err->message, -r);
			rc = r;
		} else {
			json_array_add_string_element(done, d->id);
		}
	}
	if (rc < 0) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_FAILED,
		            "snapshot-delete: %s (deleted from %u other disk(s))", failed->str,
		            json_array_get_length(done));
		json_array_unref(done);
		return NULL;
	}
	if (json_array_get_length(done) == 0) {
		json_array_unref(done);
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_SNAPSHOT_NOT_FOUND,
		            "snapshot-delete: no disk has a snapshot '%s'", name);
		return NULL;
	}
	ret = json_object_new();
	json_object_set_string_member(ret, "name", name);
	json_object_set_array_member(ret, "disks", done);
	ev = json_object_new();
	json_object_set_string_member(ev, "name", name);
	json_object_set_array_member(ev, "disks", json_array_ref(done));
	dm_event_emit("snapshot_deleted", ev);
	return node_take(ret);
}

JsonNode *snapshot_cmd_apply(struct dm_vm *vm, JsonObject *args, GError **error)
{
	(void)vm;
	(void)args;
	g_set_error_literal(error, MONITOR_ERROR, MONITOR_ERROR_BUSY,
	                    "snapshot-apply: the VM is running, and reverting it live would need "
	                    "its RAM state; shut it down and revert the disks offline");
	return NULL;
}

/* Create @overlay over @d's image and open it; the disk is quiesced and flushed. */
static struct blk_image *overlay_make(struct disk *d, const char *backing, const char *overlay,
                                      GError **error)
{
	g_autoptr(GError) err = NULL;
	struct qcow2_create_opts o = {
		.size = d->img->size,
		.backing_file = backing,
		.backing_format = d->img->drv->name,
	};
	struct blk_image *img;
	int rc;

	rc = qcow2_create(overlay, &o, &err);
	if (rc < 0) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_FAILED,
		            "blockdev-snapshot: creating %s: %s (errno %d)", overlay, err->message,
		            -rc);
		return NULL;
	}
	img = blk_open(overlay, "qcow2", false, &err);
	if (!img) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_FAILED,
		            "blockdev-snapshot: opening %s: %s (errno %d)", overlay, err->message,
		            EIO);
		unlink(overlay);
	}
	return img;
}

JsonNode *snapshot_cmd_blockdev(struct dm_vm *vm, JsonObject *args, GError **error)
{
	const char *dev = json_object_get_string_member(args, "device");
	const char *overlay = json_object_get_string_member(args, "overlay");
	g_autoptr(GArray) all = disks_all(vm);
	g_autofree char *backing = NULL;
	struct blk_image *img;
	struct disk *d = disk_find(all, dev);
	JsonObject *ret, *ev;
	struct stat st;
	gint64 t0, us;
	int rc;

	if (!d) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_DEVICE_NOT_FOUND,
		            "blockdev-snapshot: no block device '%s'", dev);
		return NULL;
	}
	if (!g_path_is_absolute(overlay)) {
		g_set_error(
		        error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
		        "blockdev-snapshot: argument 'overlay' must be an absolute path, not '%s'",
		        overlay);
		return NULL;
	}
	if (lstat(overlay, &st) == 0 || errno != ENOENT) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
		            "blockdev-snapshot: overlay %s: %s", overlay,
		            lstat(overlay, &st) == 0 ? "exists (it is never overwritten)"
		                                     : g_strerror(errno));
		return NULL;
	}
	if (d->img->read_only) {
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_INVALID_ARGUMENT,
		            "blockdev-snapshot: disk '%s' (%s) is read-only", dev, d->img->path);
		return NULL;
	}
	/* The overlay names its backing file relative to its own directory: make it absolute. */
	backing = g_canonicalize_filename(d->img->path, NULL);
	t0 = g_get_monotonic_time();
	dm_blk_quiesce(vm, dev, true);
	/* The overlay reads the image through its own descriptor: everything must be on it. */
	rc = d->img->drv->flush(d->img);
	if (rc < 0)
		g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_FAILED,
		            "blockdev-snapshot: flushing %s: %s (errno %d)", backing,
		            g_strerror(-rc), -rc);
	img = rc < 0 ? NULL : overlay_make(d, backing, overlay, error);
	if (img) {
		rc = dm_blk_replace(vm, dev, img);
		if (rc < 0) {
			g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_FAILED,
			            "blockdev-snapshot: switching disk '%s' to %s: %s (errno %d)",
			            dev, overlay, g_strerror(-rc), -rc);
			blk_close(img);
			unlink(overlay);
		}
	} else {
		rc = -EIO;
	}
	dm_blk_quiesce(vm, dev, false);
	us = g_get_monotonic_time() - t0;
	if (rc < 0)
		return NULL;
	ret = json_object_new();
	json_object_set_string_member(ret, "device", dev);
	json_object_set_string_member(ret, "overlay", overlay);
	json_object_set_string_member(ret, "backing", backing);
	json_object_set_int_member(ret, "quiesced_us", us);
	ev = json_object_new();
	json_object_set_string_member(ev, "device", dev);
	json_object_set_string_member(ev, "overlay", overlay);
	json_object_set_string_member(ev, "backing", backing);
	dm_event_emit("blockdev_snapshot", ev);
	return node_take(ret);
}
