/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests per second through acrn-dm's virtio-blk path (PCI transport,
 * virtqueues, per-queue I/O threads, batching, MSI-X) against the in-memory
 * block double, with one queue and with several, each queue driven by its
 * own "vCPU" thread of the test driver. It measures the device model's own
 * cost: no disk, no hypervisor.
 *
 * usage: bench-virtio-blk [--seconds S] [--depth D] [--queues N[,N...]] [--write]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <dm/pci.h>

#include "fake-blk.h"
#include "fake-vm.h"
#include "vdriver.h"

#define LOWMEM    (512u << 20)
#define DISK_SIZE (64u << 20)
#define QSIZE     256
#define BLOCK     4096

struct vcpu {
	struct vd_queue *q;
	unsigned depth;
	bool write;
	gint64 deadline;
	uint64_t done, errors;
	unsigned seed;
};

static gpointer vcpu_main(gpointer opaque)
{
	struct vcpu *c = opaque;
	struct vd_queue *q = c->q;
	struct vd_blk_req r;
	uint16_t id;
	uint32_t len;

	while (g_get_monotonic_time() < c->deadline) {
		for (unsigned k = 0; k < c->depth; k++) {
			c->seed = c->seed * 1103515245u + 12345u;
			r = (struct vd_blk_req){ .type = c->write ? 1 : 0,
				                 .sector = (c->seed >> 4) % (DISK_SIZE / BLOCK) *
				                           (BLOCK / 512),
				                 .len = BLOCK,
				                 .slot = k };
			if (vd_blk_post(q, &r) < 0)
				g_error("queue %u full", q->idx);
		}
		vd_kick(q);
		for (unsigned k = 0; k < c->depth; k++) {
			if (vd_get_used(q, &id, &len, 5000) != 1)
				g_error("queue %u: no completion in 5 s", q->idx);
			vd_free_chain(q, id);
			c->done++;
		}
		for (unsigned k = 0; k < c->depth; k++)
			c->errors += vd_blk_status(q, k) != 0;
	}
	return NULL;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* Requests per second; *cpu_us: CPU time per request, driver threads included. */
static double run(unsigned nq, unsigned depth, double seconds, bool write, double *cpu_us)
{
	g_autofree char *arg = g_strdup_printf("4,virtio-blk,mem:bench,num_queues=%u", nq);
	struct dm_vm *vm = fake_vm_new(LOWMEM, nq);
	struct vdrv *drv = g_new0(struct vdrv, 1);
	struct vcpu *c = g_new0(struct vcpu, nq);
	GThread **t = g_new0(GThread *, nq);
	GError *err = NULL;
	uint64_t total = 0, errors = 0;
	gint64 start;
	double rate, cpu0;

	if (pci_add_from_arg(vm, arg, &err) < 0 || pci_bus_realize(vm, &err) < 0)
		g_error("%s", err->message);
	if (vd_init(drv, vm, 4, ~0ULL, nq, QSIZE, true) < 0)
		g_error("driver init failed");
	cpu0 = cpu_seconds();
	start = g_get_monotonic_time();
	for (unsigned i = 0; i < nq; i++) {
		c[i] = (struct vcpu){ .q = &drv->q[i],
			              .depth = depth,
			              .write = write,
			              .deadline = start + (gint64)(seconds * 1e6),
			              .seed = i * 7919u + 1 };
		t[i] = g_thread_new("vcpu", vcpu_main, &c[i]);
	}
	for (unsigned i = 0; i < nq; i++) {
		g_thread_join(t[i]);
		total += c[i].done;
		errors += c[i].errors;
	}
	rate = (double)total / ((double)(g_get_monotonic_time() - start) / 1e6);
	*cpu_us = (cpu_seconds() - cpu0) * 1e6 / (double)(total ? total : 1);
	if (errors)
		g_error("%llu requests failed", (unsigned long long)errors);
	vd_fini(drv);
	fake_vm_teardown(vm);
	fake_vm_free(vm);
	g_free(t);
	g_free(c);
	g_free(drv);
	return rate;
}

int main(int argc, char **argv)
{
	double seconds = 2.0, first = 0, last = 0;
	unsigned depth = 32, nlist = 0, list[16];
	const char *queues = NULL;
	bool write = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc)
			depth = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--queues") == 0 && i + 1 < argc)
			queues = argv[++i];
		else if (strcmp(argv[i], "--write") == 0)
			write = true;
		else {
			fprintf(stderr,
			        "usage: %s [--seconds S] [--depth D] [--queues N[,N...]] "
			        "[--write]\n",
			        argv[0]);
			return 2;
		}
	}
	if (depth < 1 || depth > QSIZE / 3 || seconds <= 0) {
		fprintf(stderr, "bench-virtio-blk: --depth must be 1-%d, --seconds positive\n",
		        QSIZE / 3);
		return 2;
	}
	if (queues) {
		g_auto(GStrv) parts = g_strsplit(queues, ",", 16);

		for (unsigned i = 0; parts[i] && nlist < 16; i++) {
			unsigned n = (unsigned)atoi(parts[i]);

			if (n < 1 || n > VD_MAX_QUEUES) {
				fprintf(stderr, "bench-virtio-blk: --queues: '%s' is not 1-%d\n",
				        parts[i], VD_MAX_QUEUES);
				return 2;
			}
			list[nlist++] = n;
		}
	} else {
		unsigned n = MAX(2u, MIN(g_get_num_processors(), (unsigned)VD_MAX_QUEUES));

		list[nlist++] = 1;
		list[nlist++] = n;
	}
	fake_disk_add("bench", DISK_SIZE, true);
	printf("virtio-blk path, in-memory backend: random %u-byte %s, %u in flight per queue, "
	       "%.1f s per run, %u host CPUs\n",
	       BLOCK, write ? "writes" : "reads", depth, seconds, g_get_num_processors());
	for (unsigned i = 0; i < nlist; i++) {
		double cpu_us, rate = run(list[i], depth, seconds, write, &cpu_us);

		printf("queues=%u requests_per_s=%.0f per_queue=%.0f cpu_us_per_request=%.2f\n",
		       list[i], rate, rate / list[i], cpu_us);
		fflush(stdout);
		if (i == 0)
			first = rate;
		last = rate;
	}
	fake_disk_remove("bench");
	printf("ratio: %.2f\n", last / first);
	return 0;
}
