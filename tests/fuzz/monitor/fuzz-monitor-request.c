/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one monitor request line (any bytes) through the whole
 * handler (checks, json-glib, argument validation, commands against stub
 * control functions, reply). The reply must always be one line of JSON: an
 * object with exactly one of "return" and "error", and an error must carry
 * a class and a description.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/vm.h>

#include "../block/qcow2_api.h"
#include "monitor_priv.h"

static struct dm_vm vm = { .name = "fuzz", .ncpus = 2 };
static unsigned calls;

/* Stubs: succeed or fail depending on how often they were called. */
int dm_vm_pause(struct dm_vm *v)
{
	(void)v;
	return ++calls % 3 ? 0 : -16;
}

int dm_vm_resume(struct dm_vm *v)
{
	(void)v;
	return ++calls % 3 ? 0 : -22;
}

int dm_vm_power_button(struct dm_vm *v)
{
	(void)v;
	return ++calls % 3 ? 0 : -95;
}

void dm_vm_request_power(struct dm_vm *v, enum dm_power what)
{
	(void)v;
	(void)what;
}

JsonObject *dm_vm_query(struct dm_vm *v)
{
	JsonObject *o;

	if (++calls % 3 == 0)
		return NULL;
	o = json_object_new();
	json_object_set_string_member(o, "name", v->name);
	return o;
}

JsonArray *dm_serial_query(struct dm_vm *v)
{
	(void)v;
	return ++calls % 2 ? json_array_new() : NULL;
}

int dm_blk_rescan(struct dm_vm *v, const char *dev, const char *path)
{
	(void)v;
	(void)path;
	return strlen(dev) % 2 ? 0 : -19;
}

/* No disks: the snapshot commands get as far as their argument checks and lookups. */
int dm_blk_foreach(struct dm_vm *v, int (*fn)(const char *id, struct blk_image *img, void *opaque),
                   void *opaque)
{
	(void)v, (void)fn, (void)opaque;
	return 0;
}

int dm_blk_quiesce(struct dm_vm *v, const char *dev, bool on)
{
	(void)v, (void)dev, (void)on;
	abort();
}

int dm_blk_replace(struct dm_vm *v, const char *dev, struct blk_image *img)
{
	(void)v, (void)dev, (void)img;
	abort();
}

bool blk_is_qcow2(const struct blk_image *img)
{
	(void)img;
	abort();
}

int qcow2_snapshot_list(struct blk_image *img, struct qcow2_snapshot_info **out, unsigned *n)
{
	(void)img, (void)out, (void)n;
	abort();
}

bool qcow2_snapshot_named(struct blk_image *img, const char *name)
{
	(void)img, (void)name;
	abort();
}

int qcow2_snapshot_create(struct blk_image *img, const char *name, GError **error)
{
	(void)img, (void)name, (void)error;
	abort();
}

int qcow2_snapshot_delete(struct blk_image *img, const char *name, GError **error)
{
	(void)img, (void)name, (void)error;
	abort();
}

int qcow2_create(const char *path, const struct qcow2_create_opts *opts, GError **error)
{
	(void)path, (void)opts, (void)error;
	abort();
}

struct blk_image *blk_open(const char *path, const char *format, bool read_only, GError **error)
{
	(void)path, (void)format, (void)read_only, (void)error;
	abort();
}

void blk_close(struct blk_image *img)
{
	(void)img;
	abort();
}

void dm_log(enum dm_log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

/* events.c delivers to monitors; none exists here, so events are dropped. */
void monitor_broadcast(struct dm_monitor *m, const char *line)
{
	(void)m;
	(void)line;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *reply = request_handle(&vm, (const char *)data, size);
	JsonParser *p = json_parser_new();
	JsonObject *o, *e;
	bool ret, err;

	if (strchr(reply, '\n') || !json_parser_load_from_data(p, reply, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		abort(); /* a reply is one line of JSON */
	o = json_node_get_object(json_parser_get_root(p));
	ret = json_object_has_member(o, "return");
	err = json_object_has_member(o, "error");
	if (ret == err)
		abort();
	if (err) {
		e = json_object_get_object_member(o, "error");
		if (!e || !json_object_get_string_member_with_default(e, "class", NULL) ||
		    !json_object_get_string_member_with_default(e, "desc", NULL))
			abort();
	}
	g_object_unref(p);
	g_free(reply);
	return 0;
}
