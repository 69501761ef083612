/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of ./bench dbus (tests/bench/dbus): one sd-bus connection to
 * the session bus, calls timed one by one with CLOCK_MONOTONIC.
 *
 *   bench-dbus latency VM_PATH CALLS
 *       CALLS rounds of org.freedesktop.DBus.Peer.Ping to acrnd and a read of
 *       the VM's State property (Properties.Get), interleaved, in turns
 *       starting with either; prints p50 and p99 of each in microseconds.
 *   bench-dbus lifecycle TEMPLATE COUNT PREFIX
 *       COUNT times: DefineVM (TEMPLATE with @NAME@ replaced by PREFIXn),
 *       Start, Destroy; prints each phase's median and the VMs per second of
 *       the whole loop. Undefines them afterwards (not timed).
 * Exit status 0, 1 on a failed call (named on stderr), 2 usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <systemd/sd-bus.h>

#define BUS_NAME  "org.projectacrn.Acrnd1"
#define MGR_PATH  "/org/projectacrn/Acrnd1"
#define MGR_IFACE "org.projectacrn.Acrnd1.Manager"
#define VM_IFACE  "org.projectacrn.Acrnd1.VM"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of @n sorted values, nearest rank. */
static double quantile(const double *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n + 0.999999);

	return v[i ? (i > n ? n : i) - 1 : 0];
}

static int call_failed(const char *what, sd_bus_error *e, int r)
{
	fprintf(stderr, "bench-dbus: %s: %s\n", what, e->message ? e->message : strerror(-r));
	sd_bus_error_free(e);
	return 1;
}

static int latency(sd_bus *bus, const char *vm_path, size_t calls)
{
	g_autofree double *ping = g_new(double, calls), *prop = g_new(double, calls);
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *state;
	int r;

	/* Warm up both paths (connection, acrnd's object lookup). */
	for (size_t i = 0; i < 50; i++) {
		r = sd_bus_call_method(bus, BUS_NAME, vm_path, "org.freedesktop.DBus.Peer", "Ping",
		                       &e, NULL, "");
		if (r < 0)
			return call_failed("Ping", &e, r);
	}
	for (size_t i = 0; i < calls; i++) {
		for (int k = 0; k < 2; k++) {
			/* Alternate which goes first, so neither always follows the other. */
			bool do_ping = (k == 0) == (i % 2 == 0);
			double t0 = now_us();

			if (do_ping) {
				r = sd_bus_call_method(bus, BUS_NAME, vm_path,
				                       "org.freedesktop.DBus.Peer", "Ping", &e,
				                       NULL, "");
				if (r < 0)
					return call_failed("Ping", &e, r);
				ping[i] = now_us() - t0;
				continue;
			}
			r = sd_bus_get_property(bus, BUS_NAME, vm_path, VM_IFACE, "State", &e,
			                        &reply, "s");
			if (r >= 0)
				r = sd_bus_message_read(reply, "s", &state);
			prop[i] = now_us() - t0;
			sd_bus_message_unref(reply);
			reply = NULL;
			if (r < 0)
				return call_failed("Get State", &e, r);
		}
	}
	qsort(ping, calls, sizeof(double), cmp_double);
	qsort(prop, calls, sizeof(double), cmp_double);
	printf("ping p50_us=%.1f p99_us=%.1f\n", quantile(ping, calls, 0.5),
	       quantile(ping, calls, 0.99));
	printf("property p50_us=%.1f p99_us=%.1f\n", quantile(prop, calls, 0.5),
	       quantile(prop, calls, 0.99));
	return 0;
}

static int vm_call(sd_bus *bus, const char *name, const char *method, double *us)
{
	g_autofree char *path = NULL;
	g_autofree char *what = g_strdup_printf("%s %s", method, name);
	sd_bus_error e = SD_BUS_ERROR_NULL;
	double t0 = now_us();
	int r;

	r = sd_bus_path_encode(MGR_PATH "/vm", name, &path);
	if (r < 0)
		return call_failed(what, &e, r);
	r = sd_bus_call_method(bus, BUS_NAME, path, VM_IFACE, method, &e, NULL, "");
	if (r < 0)
		return call_failed(what, &e, r);
	*us = now_us() - t0;
	return 0;
}

static int lifecycle(sd_bus *bus, const char *template_file, size_t count, const char *prefix)
{
	g_autofree double *def = g_new(double, count), *start = g_new(double, count),
	                  *destroy = g_new(double, count);
	g_autofree char *tmpl = NULL;
	g_autoptr(GError) err = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	double t_all;
	int r = 0;

	if (!g_file_get_contents(template_file, &tmpl, NULL, &err)) {
		fprintf(stderr, "bench-dbus: %s\n", err->message);
		return 1;
	}
	t_all = now_us();
	for (size_t i = 0; i < count; i++) {
		g_autofree char *name = g_strdup_printf("%s%zu", prefix, i);
		g_auto(GStrv) parts = g_strsplit(tmpl, "@NAME@", -1);
		g_autofree char *xml = g_strjoinv(name, parts);
		double t0 = now_us();

		r = sd_bus_call_method(bus, BUS_NAME, MGR_PATH, MGR_IFACE, "DefineVM", &e, NULL,
		                       "s", xml);
		if (r < 0)
			return call_failed("DefineVM", &e, r);
		def[i] = now_us() - t0;
		if (vm_call(bus, name, "Start", &start[i]) ||
		    vm_call(bus, name, "Destroy", &destroy[i]))
			return 1;
	}
	t_all = now_us() - t_all;
	for (size_t i = 0; i < count; i++) {
		g_autofree char *name = g_strdup_printf("%s%zu", prefix, i);

		r = sd_bus_call_method(bus, BUS_NAME, MGR_PATH, MGR_IFACE, "UndefineVM", &e, NULL,
		                       "s", name);
		if (r < 0)
			return call_failed("UndefineVM", &e, r);
	}
	qsort(def, count, sizeof(double), cmp_double);
	qsort(start, count, sizeof(double), cmp_double);
	qsort(destroy, count, sizeof(double), cmp_double);
	printf("p50 define_ms=%.2f start_ms=%.2f destroy_ms=%.2f\n",
	       quantile(def, count, 0.5) / 1e3, quantile(start, count, 0.5) / 1e3,
	       quantile(destroy, count, 0.5) / 1e3);
	printf("lifecycle vms=%zu total_s=%.3f vms_per_s=%.2f\n", count, t_all / 1e6,
	       (double)count / (t_all / 1e6));
	return 0;
}

int main(int argc, char **argv)
{
	sd_bus *bus = NULL;
	int r;

	if (argc == 4 && !strcmp(argv[1], "latency")) {
		long calls = strtol(argv[3], NULL, 10);

		if (calls < 1) {
			fprintf(stderr, "bench-dbus: CALLS must be at least 1\n");
			return 2;
		}
		r = sd_bus_open_user(&bus);
		if (r >= 0)
			r = latency(bus, argv[2], (size_t)calls);
	} else if (argc == 5 && !strcmp(argv[1], "lifecycle")) {
		long count = strtol(argv[3], NULL, 10);

		if (count < 1) {
			fprintf(stderr, "bench-dbus: COUNT must be at least 1\n");
			return 2;
		}
		r = sd_bus_open_user(&bus);
		if (r >= 0)
			r = lifecycle(bus, argv[2], (size_t)count, argv[4]);
	} else {
		fprintf(stderr, "usage: bench-dbus latency VM_PATH CALLS\n"
		                "       bench-dbus lifecycle TEMPLATE COUNT PREFIX\n");
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "bench-dbus: cannot connect to the session bus: %s\n",
		        strerror(-r));
		r = 1;
	}
	sd_bus_flush_close_unref(bus);
	return r;
}
