/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The snapshot commands over a real monitor socket, on real qcow2 images
 * that a writer thread keeps writing through the block layer's queues, as
 * a guest would. The doubles play virtio-blk: quiescing stops the writer
 * between requests and records how many it had finished, which is exactly
 * what the snapshot must hold. qemu-img is the judge: snapshot -l, check,
 * convert -l snapshot.name=, compare, info.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <dm/block.h>
#include <dm/monitor.h>
#include <dm/vm.h>

#include "../../../dm/block/qcow2_api.h"
#include "../../../dm/monitor/monitor_priv.h"
#include "../dm-block/helpers.h"
#include "doubles.h"

#define BLOCK      4096
#define NBLOCKS    512 /* 2 MiB: the writer's stamps wrap and overwrite snapshot clusters */
#define DISK_BYTES (8u << 20)
#define TIMEOUT_MS 20000

static struct dm_vm test_vm = { .name = "vm1", .ncpus = 2 };

/* ---- the writer: a guest writing stamp i to block i % NBLOCKS, one request at a time ---- */

static struct {
	GThread *thread;
	GMutex lock;
	GCond cond;
	struct blk_image *img;
	struct blk_queue *q;
	unsigned paused;
	bool stop, busy;
	uint64_t done;       /* requests completed */
	uint64_t at_quiesce; /* done when the last quiesce took effect */
	int error;
} w;

static void write_done(struct blk_req *r)
{
	*(bool *)r->opaque = true;
}

static gpointer writer(gpointer unused)
{
	static uint32_t buf[BLOCK / 4];

	(void)unused;
	for (;;) {
		bool finished = false;
		struct iovec iov = { buf, BLOCK };
		struct blk_req r = { .op = BLK_WRITE, .len = BLOCK, .iov = &iov, .iovcnt = 1 };
		struct blk_queue *q;

		g_mutex_lock(&w.lock);
		while (w.paused && !w.stop)
			g_cond_wait(&w.cond, &w.lock);
		if (w.stop) {
			g_mutex_unlock(&w.lock);
			return NULL;
		}
		w.busy = true;
		q = w.q;
		for (unsigned i = 0; i < BLOCK / 4; i++)
			buf[i] = (uint32_t)w.done + 1;
		r.offset = (w.done % NBLOCKS) * BLOCK;
		g_mutex_unlock(&w.lock);

		r.done = write_done;
		r.opaque = &finished;
		blk_queue_submit(q, &r);
		blk_queue_kick(q);
		while (!finished) {
			struct pollfd p = { .fd = blk_queue_fd(q), .events = POLLIN };

			poll(&p, 1, 1000);
			blk_queue_complete(q);
		}
		g_mutex_lock(&w.lock);
		if (r.result < 0 && !w.error)
			w.error = r.result;
		w.done++;
		w.busy = false;
		g_cond_broadcast(&w.cond);
		g_mutex_unlock(&w.lock);
		g_usleep(200);
	}
}

/* virtio-blk's quiesce: no new request, the one in flight finished. */
static void writer_quiesce(struct double_disk *d, bool on)
{
	if (strcmp(d->id, "vd0"))
		return;
	g_mutex_lock(&w.lock);
	if (on) {
		w.paused++;
		while (w.busy)
			g_cond_wait(&w.cond, &w.lock);
		w.at_quiesce = w.done;
	} else {
		w.paused--;
		g_cond_broadcast(&w.cond);
	}
	g_mutex_unlock(&w.lock);
}

/* virtio-blk's switch to a new image: new queues, the old image closed. */
static int writer_replace(struct double_disk *d, struct blk_image *img)
{
	g_autoptr(GError) err = NULL;
	struct blk_queue *q = blk_queue_new(img, 16, &err);

	g_assert_nonnull(q);
	g_mutex_lock(&w.lock);
	g_assert_false(w.busy);
	blk_queue_free(w.q);
	w.q = q;
	w.img = img;
	g_mutex_unlock(&w.lock);
	blk_close(d->img);
	d->img = img;
	return 0;
}

static void writer_wait(uint64_t n)
{
	g_mutex_lock(&w.lock);
	while (w.done < n)
		g_cond_wait(&w.cond, &w.lock);
	g_mutex_unlock(&w.lock);
}

static void writer_stop(void)
{
	g_mutex_lock(&w.lock);
	w.stop = true;
	g_cond_broadcast(&w.cond);
	g_mutex_unlock(&w.lock);
	g_thread_join(w.thread);
	blk_queue_free(w.q);
	g_assert_cmpint(w.error, ==, 0);
}

/* The disk after @n writes: block b holds the last stamp written to it. */
static char *model(const char *name, uint64_t n)
{
	g_autofree uint8_t *disk = g_malloc0(DISK_BYTES);
	char *path = tmp_path(name);

	for (uint64_t i = n > NBLOCKS ? n - NBLOCKS : 0; i < n; i++) {
		uint32_t *b = (uint32_t *)(disk + (i % NBLOCKS) * BLOCK);

		for (unsigned k = 0; k < BLOCK / 4; k++)
			b[k] = (uint32_t)i + 1;
	}
	write_file(path, disk, DISK_BYTES);
	return path;
}

/* ---- a monitor client ---- */

static int cfd = -1;
static GString *inbuf;
static GPtrArray *events; /* JsonObject, in arrival order */

static void pump(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static JsonObject *next_line(void)
{
	gint64 end = g_get_monotonic_time() + TIMEOUT_MS * 1000;

	for (;;) {
		char *nl = strchr(inbuf->str, '\n');
		char chunk[4096];
		ssize_t n;

		if (nl) {
			g_autoptr(JsonParser) p = json_parser_new();
			JsonObject *o;

			g_assert_true(
			        json_parser_load_from_data(p, inbuf->str, nl - inbuf->str, NULL));
			o = json_object_ref(json_node_get_object(json_parser_get_root(p)));
			g_string_erase(inbuf, 0, nl - inbuf->str + 1);
			return o;
		}
		g_assert_cmpint(g_get_monotonic_time(), <, end);
		pump();
		n = recv(cfd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n > 0)
			g_string_append_len(inbuf, chunk, n);
		else
			g_usleep(1000);
	}
}

/* Send one request; its reply (events seen meanwhile go to @events). */
static JsonObject *request(const char *fmt, ...)
{
	g_autofree char *line = NULL;
	va_list ap;

	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_test_message("> %s", line);
	g_assert_cmpint(send(cfd, line, strlen(line), MSG_NOSIGNAL), ==, (ssize_t)strlen(line));
	g_assert_cmpint(send(cfd, "\n", 1, MSG_NOSIGNAL), ==, 1);
	for (;;) {
		JsonObject *o = next_line();

		if (json_object_has_member(o, "event")) {
			g_ptr_array_add(events, o);
			continue;
		}
		return o;
	}
}

static JsonObject *ok(JsonObject *reply)
{
	if (!json_object_has_member(reply, "return"))
		g_error("expected success, got an error: %s",
		        json_object_get_string_member(json_object_get_object_member(reply, "error"),
		                                      "desc"));
	return json_object_get_object_member(reply, "return");
}

/* The error's desc, after checking its class. */
static const char *err(JsonObject *reply, const char *klass)
{
	JsonObject *e = json_object_get_object_member(reply, "error");

	g_assert_nonnull(e);
	g_test_message("< %s: %s", json_object_get_string_member(e, "class"),
	               json_object_get_string_member(e, "desc"));
	g_assert_cmpstr(json_object_get_string_member(e, "class"), ==, klass);
	return json_object_get_string_member(e, "desc");
}

/* The next event called @name (waiting for it), its data. */
static JsonObject *event(const char *name)
{
	for (;;) {
		while (events->len) {
			JsonObject *o = g_ptr_array_steal_index(events, 0);

			if (!strcmp(json_object_get_string_member(o, "event"), name)) {
				JsonObject *d =
				        json_object_ref(json_object_get_object_member(o, "data"));

				json_object_unref(o);
				return d;
			}
			json_object_unref(o);
		}
		g_ptr_array_add(events, next_line());
	}
}

static bool qemu_has_snapshot(const char *path, const char *name)
{
	g_autofree char *out = sh_out("qemu-img snapshot -U -l '%s'", path);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);

	for (unsigned i = 0; lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit_set(lines[i], " \t", -1);
		unsigned k = 0;

		/* "ID TAG VM-SIZE DATE VM-CLOCK ICOUNT": the tag is the second word. */
		for (unsigned j = 0; f[j]; j++)
			if (*f[j] && ++k == 2 && !strcmp(f[j], name))
				return true;
	}
	return false;
}

/* The snapshot @name of @path, as qemu-img reads it, equals the model after @n writes. */
static void assert_snapshot_holds(const char *path, const char *name, uint64_t n)
{
	g_autofree char *out = g_strdup_printf("%s.%s.raw", path, name);
	g_autofree char *want = model("want.raw", n);

	g_assert_cmpint(sh("qemu-img convert -U -f qcow2 -O raw -l snapshot.name=%s '%s' '%s'",
	                   name, path, out),
	                ==, 0);
	g_assert_cmpint(sh("qemu-img compare -U -f raw -F raw '%s' '%s'", out, want), ==, 0);
}

/* ---- the test ---- */

static char *img0, *img1, *img2, *img3;

static void setup(void)
{
	img0 = tmp_path("disk0.qcow2");
	img1 = tmp_path("disk1.qcow2");
	img2 = tmp_path("disk2.raw");
	img3 = tmp_path("tiny-refcounts.qcow2");
	g_assert_cmpint(sh("qemu-img create -q -f qcow2 '%s' %u", img0, DISK_BYTES), ==, 0);
	g_assert_cmpint(sh("qemu-img create -q -f qcow2 '%s' %u", img1, DISK_BYTES), ==, 0);
	g_assert_cmpint(sh("qemu-io -f qcow2 -c 'write -P 0x11 0 1M' '%s' >/dev/null", img1), ==,
	                0);
	g_assert_cmpint(sh("qemu-img create -q -f raw '%s' %u", img2, DISK_BYTES), ==, 0);
	/* 1-bit refcounts: no cluster can be shared, so a snapshot fails in the engine, after
	 * the disks before it in the list already have theirs. */
	g_assert_cmpint(sh("qemu-img create -q -f qcow2 -o refcount_bits=1 '%s' %u && "
	                   "qemu-io -f qcow2 -c 'write -P 0x22 0 64k' '%s' >/dev/null",
	                   img3, DISK_BYTES, img3),
	                ==, 0);
	doubles_reset();
	dbl.disks[0] = (struct double_disk){ "vd0", open_img(img0, "qcow2", false) };
	dbl.disks[1] = (struct double_disk){ "vd1", open_img(img1, "qcow2", false) };
	dbl.disks[2] = (struct double_disk){ "vd2", open_img(img2, "raw", false) };
	dbl.ndisks = 3;
	dbl.quiesce = writer_quiesce;
	dbl.replace = writer_replace;
}

static void test_snapshots(void)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *sock = tmp_path("mon.sock");
	g_autofree char *overlay = tmp_path("overlay.qcow2");
	g_autofree char *backing = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct dm_monitor *m;
	JsonObject *r, *ret, *d, *greeting;
	JsonArray *a;
	uint64_t s1, s2, before_overlay;
	const char *desc;

	setup();
	m = dm_monitor_new(&test_vm, sock, &e);
	g_assert_nonnull(m);
	cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, sock);
	g_assert_cmpint(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	inbuf = g_string_new(NULL);
	events = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	greeting = next_line();
	json_object_unref(greeting);

	g_mutex_init(&w.lock);
	g_cond_init(&w.cond);
	w.img = dbl.disks[0].img;
	w.q = blk_queue_new(w.img, 16, &e);
	g_assert_nonnull(w.q);
	w.thread = g_thread_new("writer", writer, NULL);
	writer_wait(100);

	/* Argument and disk checks: nothing happens to any image. */
	desc = err(request("{\"execute\":\"snapshot-create\",\"arguments\":{\"name\":\"s1\"}}"),
	           "InvalidArgument");
	g_assert_nonnull(strstr(desc, "'vd2'"));
	g_assert_nonnull(strstr(desc, "raw"));
	err(request("{\"execute\":\"snapshot-create\",\"arguments\":{\"name\":\"\"}}"),
	    "InvalidArgument");
	err(request("{\"execute\":\"snapshot-create\",\"arguments\":{\"name\":\"x\",\"disks\":[]}"
	            "}"),
	    "InvalidArgument");
	err(request("{\"execute\":\"snapshot-create\",\"arguments\":{\"name\":\"x\",\"disks\":[1]}"
	            "}"),
	    "InvalidArgument");
	desc = err(request("{\"execute\":\"snapshot-create\",\"arguments\":{\"name\":\"x\","
	                   "\"disks\":[\"vd0\",\"vd9\"]}}"),
	           "DeviceNotFound");
	g_assert_nonnull(strstr(desc, "'vd9'"));
	g_assert_cmpint(dbl.quiesce_calls, ==, 0);

	/* Live: the snapshot holds exactly the writes finished when the disks went quiet. */
	ret = ok(r = request("{\"execute\":\"snapshot-create\",\"arguments\":{\"name\":\"s1\","
	                     "\"disks\":[\"vd0\",\"vd1\"]},\"id\":1}"));
	s1 = w.at_quiesce;
	g_assert_cmpint(json_object_get_int_member(ret, "quiesced_us"), >=, 0);
	g_assert_cmpint(json_object_get_int_member(ret, "quiesced_us"), <, 10 * 1000 * 1000);
	a = json_object_get_array_member(ret, "disks");
	g_assert_cmpuint(json_array_get_length(a), ==, 2);
	g_assert_cmpstr(json_array_get_string_element(a, 0), ==, "vd0");
	json_object_unref(r);
	d = event("snapshot_created");
	g_assert_cmpstr(json_object_get_string_member(d, "name"), ==, "s1");
	g_assert_true(json_object_has_member(d, "quiesced_us"));
	json_object_unref(d);
	g_assert_cmpint(dbl.quiesce_calls, ==, 2);
	g_assert_cmpint(dbl.unquiesce_calls, ==, 2);

	/* The writer goes on over the snapshot's (now shared) clusters. */
	writer_wait(s1 + NBLOCKS + 50);
	ok(r = request("{\"execute\":\"snapshot-create\",\"arguments\":{\"name\":\"s2\","
	               "\"disks\":[\"vd0\"]}}"));
	s2 = w.at_quiesce;
	json_object_unref(r);
	g_assert_cmpuint(s2, >, s1 + NBLOCKS);
	desc = err(request("{\"execute\":\"snapshot-create\",\"arguments\":{\"name\":\"s2\","
	                   "\"disks\":[\"vd0\"]}}"),
	           "InvalidArgument");
	g_assert_nonnull(strstr(desc, "already has"));

	/* All or nothing: vd0 succeeds, the 1-bit-refcount disk fails; vd0 keeps nothing. */
	dbl.disks[3] = (struct double_disk){ "vd3", open_img(img3, "qcow2", false) };
	dbl.ndisks = 4;
	desc = err(request("{\"execute\":\"snapshot-create\",\"arguments\":{\"name\":\"s3\","
	                   "\"disks\":[\"vd0\",\"vd3\"]}}"),
	           "Failed");
	g_assert_nonnull(strstr(desc, "'vd3'"));
	g_assert_false(qemu_has_snapshot(img0, "s3"));
	g_assert_false(qemu_has_snapshot(img3, "s3"));
	g_assert_cmpint(dbl.quiesce_calls, ==, dbl.unquiesce_calls);

	/* The list, per disk. */
	ret = ok(r = request("{\"execute\":\"snapshot-list\"}"));
	a = json_object_get_array_member(ret, "disks");
	g_assert_cmpuint(json_array_get_length(a), ==, 4);
	{
		JsonObject *vd0 = json_array_get_object_element(a, 0);
		JsonObject *vd2 = json_array_get_object_element(a, 2);
		JsonArray *sn = json_object_get_array_member(vd0, "snapshots");
		JsonObject *first = json_array_get_object_element(sn, 0);

		g_assert_cmpstr(json_object_get_string_member(vd0, "device"), ==, "vd0");
		g_assert_cmpstr(json_object_get_string_member(vd0, "format"), ==, "qcow2");
		g_assert_cmpuint(json_array_get_length(sn), ==, 2);
		g_assert_cmpstr(json_object_get_string_member(first, "name"), ==, "s1");
		g_assert_cmpint(json_object_get_int_member(first, "disk_size"), ==, DISK_BYTES);
		g_assert_cmpint(json_object_get_int_member(first, "date_sec"), >, 1700000000);
		g_assert_cmpstr(json_object_get_string_member(vd2, "format"), ==, "raw");
		g_assert_cmpuint(
		        json_array_get_length(json_object_get_array_member(vd2, "snapshots")), ==,
		        0);
	}
	json_object_unref(r);

	/* Reverting a running VM is refused. */
	err(request("{\"execute\":\"snapshot-apply\",\"arguments\":{\"name\":\"s1\"}}"), "Busy");

	/* Delete, live. */
	ok(r = request("{\"execute\":\"snapshot-delete\",\"arguments\":{\"name\":\"s1\"}}"));
	json_object_unref(r);
	d = event("snapshot_deleted");
	g_assert_cmpstr(json_object_get_string_member(d, "name"), ==, "s1");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(d, "disks")), ==, 2);
	json_object_unref(d);
	err(request("{\"execute\":\"snapshot-delete\",\"arguments\":{\"name\":\"s1\"}}"),
	    "SnapshotNotFound");

	/* External: the disk moves to a new overlay; the old image is its read-only backing. */
	err(request("{\"execute\":\"blockdev-snapshot\",\"arguments\":{\"device\":\"vd0\","
	            "\"overlay\":\"relative.qcow2\"}}"),
	    "InvalidArgument");
	err(request("{\"execute\":\"blockdev-snapshot\",\"arguments\":{\"device\":\"vd9\","
	            "\"overlay\":\"%s\"}}",
	            overlay),
	    "DeviceNotFound");
	err(request("{\"execute\":\"blockdev-snapshot\",\"arguments\":{\"device\":\"vd0\","
	            "\"overlay\":\"%s\"}}",
	            img1),
	    "InvalidArgument");
	ret = ok(r = request("{\"execute\":\"blockdev-snapshot\",\"arguments\":{\"device\":\"vd0\","
	                     "\"overlay\":\"%s\"}}",
	                     overlay));
	before_overlay = w.at_quiesce;
	g_assert_cmpstr(json_object_get_string_member(ret, "backing"), ==, img0);
	json_object_unref(r);
	d = event("blockdev_snapshot");
	g_assert_cmpstr(json_object_get_string_member(d, "overlay"), ==, overlay);
	json_object_unref(d);
	g_assert_true(dbl.disks[0].img == w.img);
	g_assert_cmpstr(w.img->path, ==, overlay);
	writer_wait(before_overlay + 100);
	writer_stop();

	/* The judge. */
	backing = sh_out(
	        "qemu-img info -U --output=json '%s' | python3 -c "
	        "'import json,sys; print(json.load(sys.stdin)[\"backing-filename\"], end=\"\")'",
	        overlay);
	g_assert_cmpstr(backing, ==, img0);
	g_assert_true(qemu_has_snapshot(img0, "s2"));
	g_assert_false(qemu_has_snapshot(img0, "s1"));
	g_assert_false(qemu_has_snapshot(img1, "s1"));
	assert_snapshot_holds(img0, "s2", s2);
	{
		g_autofree char *base = model("base.raw", before_overlay);
		g_autofree char *now = model("now.raw", w.done);

		g_assert_cmpint(sh("qemu-img compare -U -f qcow2 -F raw '%s' '%s'", img0, base), ==,
		                0);
		g_assert_cmpint(sh("qemu-img compare -U -f qcow2 -F raw '%s' '%s'", overlay, now),
		                ==, 0);
	}
	for (unsigned i = 0; i < dbl.ndisks; i++)
		blk_close(dbl.disks[i].img);
	g_assert_cmpint(qemu_check(img0), ==, 0);
	g_assert_cmpint(qemu_check(img1), ==, 0);
	g_assert_cmpint(qemu_check(overlay), ==, 0);
	g_assert_cmpint(qemu_check(img3), ==, 0);

	close(cfd);
	dm_monitor_free(m);
	g_ptr_array_unref(events);
	g_string_free(inbuf, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/monitor/snapshots", test_snapshots);
	return g_test_run();
}
