/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-qcow2: our QCOW2 engine from the command line, for tests, benches
 * and hand inspection.
 *
 *   acrn-qcow2 create [-b BACKING [-F FMT]] [-c CLUSTER_BITS] FILE [SIZE]
 *   acrn-qcow2 info FILE
 *   acrn-qcow2 snapshot -c NAME|-l|-a NAME|-d NAME FILE
 *   acrn-qcow2 check FILE          exit 0 clean, 2 corrupt, 3 leaks only
 *   acrn-qcow2 dump FILE OUT       the guest-visible contents as a raw file
 *   acrn-qcow2 write [-P BYTE | -z] FILE OFFSET LEN   fill with BYTE, or write zeroes
 *   acrn-qcow2 bench [-w] [-r | -S STEP] [-s BYTES] [-c COUNT] [-d DEPTH] FILE
 *                                  -r: random offsets; -S: qemu-img bench's walk
 *                                  (offset += STEP modulo the image size)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dm/block.h>

#include "qcow2.h"

static int usage(void)
{
	fprintf(stderr,
	        "usage:\n"
	        "  acrn-qcow2 create [-b BACKING [-F FMT]] [-c CLUSTER_BITS] FILE [SIZE]\n"
	        "  acrn-qcow2 info FILE\n"
	        "  acrn-qcow2 snapshot -c NAME|-l|-a NAME|-d NAME FILE\n"
	        "  acrn-qcow2 check FILE\n"
	        "  acrn-qcow2 dump FILE OUT\n"
	        "  acrn-qcow2 write [-P BYTE | -z] FILE OFFSET LEN\n"
	        "  acrn-qcow2 bench [-w] [-r | -S STEP] [-s BYTES] [-c COUNT] [-d DEPTH] FILE\n");
	return 2;
}

static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);
	int shift = 0;

	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	default:
		break;
	}
	if (*end || end == s || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = v << shift;
	return true;
}

static int fail(GError *err)
{
	fprintf(stderr, "acrn-qcow2: %s\n", err ? err->message : "failed");
	if (err)
		g_error_free(err);
	return 1;
}

static int cmd_create(int argc, char **argv)
{
	struct qcow2_create_opts o = { 0 };
	GError *err = NULL;
	int c;

	while ((c = getopt(argc, argv, "b:F:c:")) != -1) {
		if (c == 'b')
			o.backing_file = optarg;
		else if (c == 'F')
			o.backing_format = optarg;
		else if (c == 'c')
			o.cluster_bits = (unsigned)atoi(optarg);
		else
			return usage();
	}
	if (optind >= argc || argc - optind > 2)
		return usage();
	if (argc - optind == 2 && !parse_size(argv[optind + 1], &o.size)) {
		fprintf(stderr, "acrn-qcow2: bad size '%s'\n", argv[optind + 1]);
		return 2;
	}
	if (!o.size && !o.backing_file) {
		fprintf(stderr, "acrn-qcow2: a size is needed without a backing file\n");
		return 2;
	}
	return qcow2_create(argv[optind], &o, &err) < 0 ? fail(err) : 0;
}

static struct blk_image *open_or_fail(const char *path, bool ro)
{
	GError *err = NULL;
	struct blk_image *img = blk_open(path, NULL, ro, &err);

	if (!img)
		fail(err);
	return img;
}

static int cmd_info(int argc, char **argv)
{
	if (argc != 2)
		return usage();
	struct blk_image *img = open_or_fail(argv[1], true);
	if (!img)
		return 1;
	printf("format: %s\nvirtual size: %" PRIu64 "\n", img->drv->name, img->size);
	if (blk_is_qcow2(img)) {
		struct qcow2 *q = img->priv;
		struct qcow2_snapshot_info *sn;
		unsigned n;

		printf("version: %u\ncluster size: %" PRIu64 "\nrefcount bits: %u\n", q->version,
		       q->cluster_size, 1u << q->refcount_order);
		if (q->backing_file)
			printf("backing file: %s\nbacking format: %s\n", q->backing_file,
			       q->backing_format ? q->backing_format : "(probed)");
		printf("dirty: %s\ncorrupt: %s\n",
		       q->incompat & QCOW2_INCOMPAT_DIRTY ? "yes" : "no",
		       q->incompat & QCOW2_INCOMPAT_CORRUPT ? "yes" : "no");
		qcow2_snapshot_list(img, &sn, &n);
		printf("snapshots: %u\n", n);
		g_free(sn);
	}
	blk_close(img);
	return 0;
}

static int cmd_snapshot(int argc, char **argv)
{
	char op = 0;
	const char *name = NULL;
	GError *err = NULL;
	int c, ret = 0;

	while ((c = getopt(argc, argv, "c:la:d:")) != -1) {
		if (c != 'c' && c != 'l' && c != 'a' && c != 'd')
			return usage();
		op = (char)c;
		name = optarg;
	}
	if (!op || optind != argc - 1)
		return usage();
	struct blk_image *img = open_or_fail(argv[optind], op == 'l');
	if (!img)
		return 1;
	switch (op) {
	case 'l': {
		struct qcow2_snapshot_info *sn = NULL;
		unsigned n = 0;

		ret = qcow2_snapshot_list(img, &sn, &n);
		if (ret == 0) {
			printf("%-8s %-24s %-20s %s\n", "ID", "TAG", "DATE", "DISK SIZE");
			for (unsigned i = 0; i < n; i++) {
				time_t t = (time_t)sn[i].date_sec;
				char when[32];

				strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
				printf("%-8s %-24s %-20s %" PRIu64 "\n", sn[i].id, sn[i].name, when,
				       sn[i].disk_size);
			}
		}
		g_free(sn);
		break;
	}
	case 'c':
		ret = qcow2_snapshot_create(img, name, &err);
		break;
	case 'a':
		ret = qcow2_snapshot_apply(img, name, &err);
		break;
	case 'd':
		ret = qcow2_snapshot_delete(img, name, &err);
		break;
	}
	blk_close(img);
	return ret < 0 ? fail(err) : 0;
}

static int cmd_check(int argc, char **argv)
{
	struct qcow2_check_result r;
	GError *err = NULL;

	if (argc != 2)
		return usage();
	struct blk_image *img = open_or_fail(argv[1], true);
	if (!img)
		return 1;
	int ret = qcow2_check(img, &r, &err);
	blk_close(img);
	if (ret < 0)
		return fail(err);
	printf("corruptions: %" PRIu64 "\nleaks: %" PRIu64 "\nallocated clusters: %" PRIu64 "\n",
	       r.corruptions, r.leaks, r.allocated_clusters);
	return r.corruptions ? 2 : r.leaks ? 3 : 0;
}

static int cmd_dump(int argc, char **argv)
{
	if (argc != 3)
		return usage();
	struct blk_image *img = open_or_fail(argv[1], true);
	if (!img)
		return 1;
	int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = fd < 0 ? -errno : 0;
	const uint64_t chunk = 1u << 20;
	g_autofree uint8_t *buf = g_malloc(chunk);

	for (uint64_t off = 0; off < img->size && ret == 0; off += chunk) {
		struct iovec v = { buf, MIN(chunk, img->size - off) };

		ret = img->drv->preadv(img, &v, 1, off);
		if (ret == 0 && pwrite(fd, buf, v.iov_len, (off_t)off) != (ssize_t)v.iov_len)
			ret = -EIO;
	}
	if (ret == 0 && ftruncate(fd, (off_t)img->size) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	blk_close(img);
	if (ret < 0) {
		fprintf(stderr, "acrn-qcow2: dump: %s\n", g_strerror(-ret));
		return 1;
	}
	return 0;
}

static int cmd_write(int argc, char **argv)
{
	int c, pattern = 0xcd;
	bool zero = false;
	uint64_t off, len;

	while ((c = getopt(argc, argv, "P:z")) != -1) {
		if (c == 'P')
			pattern = (int)strtol(optarg, NULL, 0);
		else if (c == 'z')
			zero = true;
		else
			return usage();
	}
	if (optind != argc - 3 || !parse_size(argv[optind + 1], &off) ||
	    !parse_size(argv[optind + 2], &len))
		return usage();
	struct blk_image *img = open_or_fail(argv[optind], false);
	if (!img)
		return 1;
	int ret = 0;
	if (zero) {
		ret = img->drv->write_zeroes(img, off, len, true);
	} else {
		g_autofree uint8_t *buf = g_malloc(MIN(len, 1u << 20));
		memset(buf, pattern, MIN(len, 1u << 20));
		for (uint64_t p = 0; p < len && ret == 0; p += 1u << 20) {
			struct iovec v = { buf, MIN(len - p, 1u << 20) };
			ret = img->drv->pwritev(img, &v, 1, off + p);
		}
	}
	if (ret == 0)
		ret = img->drv->flush(img);
	blk_close(img);
	if (ret < 0) {
		fprintf(stderr, "acrn-qcow2: write: %s\n", g_strerror(-ret));
		return 1;
	}
	return 0;
}

struct bench_state {
	unsigned *free_slots;
	unsigned nfree;
	unsigned errors;
};

struct bench_req {
	struct blk_req req;
	struct iovec iov;
	unsigned slot;
	struct bench_state *st;
};

static void bench_done(struct blk_req *r)
{
	struct bench_req *b = (struct bench_req *)r;

	b->st->free_slots[b->st->nfree++] = b->slot;
	if (r->result < 0)
		b->st->errors++;
}

/* Through blk_queue, as virtio-blk uses the engine. Offsets: sequential, or a fixed pseudo-random walk. */
static int cmd_bench(int argc, char **argv)
{
	bool write = false, rnd = false;
	uint64_t bs = 4096, count = 100000, depth = 32, step = 0, next = 0;
	GError *err = NULL;
	int c;

	while ((c = getopt(argc, argv, "wrs:c:d:S:")) != -1) {
		if (c == 'w')
			write = true;
		else if (c == 'r')
			rnd = true;
		else if ((c == 's' && parse_size(optarg, &bs)) ||
		         (c == 'c' && parse_size(optarg, &count)) ||
		         (c == 'd' && parse_size(optarg, &depth)) ||
		         (c == 'S' && parse_size(optarg, &step)))
			continue;
		else
			return usage();
	}
	if (optind != argc - 1 || !bs || !depth || depth > 1024)
		return usage();
	struct blk_image *img = open_or_fail(argv[optind], !write);
	if (!img)
		return 1;
	uint64_t blocks = img->size / bs;
	struct blk_queue *q = blk_queue_new(img, (unsigned)depth, &err);
	if (!q || !blocks) {
		blk_close(img);
		return fail(err);
	}
	uint64_t stride = (bs + 4095) & ~4095ull;
	struct bench_req *reqs = g_new0(struct bench_req, depth);
	struct bench_state st = { .free_slots = g_new(unsigned, depth), .nfree = (unsigned)depth };
	uint8_t *bufs = aligned_alloc(4096, depth * stride);
	uint64_t issued = 0, seed = 0x9e3779b97f4a7c15ull;
	struct timespec t0, t1;

	memset(bufs, 0xa5, depth * stride);
	for (unsigned i = 0; i < depth; i++)
		st.free_slots[i] = i;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (issued < count || st.nfree < depth) {
		unsigned batch = 0;

		while (issued < count && st.nfree > 0) {
			unsigned slot = st.free_slots[--st.nfree];
			struct bench_req *b = &reqs[slot];
			uint64_t off = (issued % blocks) * bs;

			if (rnd) {
				seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
				off = seed % blocks * bs;
			} else if (step) {
				off = next;
				next = (next + step) % img->size;
				if (off + bs > img->size)
					off = 0;
			}
			b->iov.iov_base = bufs + slot * stride;
			b->iov.iov_len = bs;
			b->slot = slot;
			b->st = &st;
			b->req = (struct blk_req){ .op = write ? BLK_WRITE : BLK_READ,
				                   .offset = off,
				                   .len = bs,
				                   .iov = &b->iov,
				                   .iovcnt = 1,
				                   .done = bench_done };
			blk_queue_submit(q, &b->req);
			issued++;
			batch++;
		}
		if (batch)
			blk_queue_kick(q);
		struct pollfd p = { .fd = blk_queue_fd(q), .events = POLLIN };
		if (poll(&p, 1, 1000) > 0)
			blk_queue_complete(q);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("ops=%" PRIu64 " secs=%.3f iops=%.0f mbps=%.1f errors=%u\n", count, secs,
	       (double)count / secs, (double)count * (double)bs / secs / 1e6, st.errors);
	blk_queue_free(q);
	free(bufs);
	g_free(reqs);
	g_free(st.free_slots);
	blk_close(img);
	return st.errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	argv++, argc--;
	if (!strcmp(cmd, "create"))
		return cmd_create(argc, argv);
	if (!strcmp(cmd, "info"))
		return cmd_info(argc, argv);
	if (!strcmp(cmd, "snapshot"))
		return cmd_snapshot(argc, argv);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc, argv);
	if (!strcmp(cmd, "dump"))
		return cmd_dump(argc, argv);
	if (!strcmp(cmd, "write"))
		return cmd_write(argc, argv);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc, argv);
	return usage();
}
