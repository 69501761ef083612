/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crash consistency: a writer process is killed with SIGKILL at a random
 * moment during heavy writes (new clusters, copy-on-write of clusters shared
 * with a snapshot, write-zeroes that free clusters), 20 times. After each
 * kill `qemu-img check` must find no corruption (leaks are allowed) and
 * every write the writer had flushed must read back, unless a later write
 * to the same block replaced it.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "qcow2_api.h"

#define SIZE   (32u << 20)
#define BLOCK  4096u
#define NBLK   (SIZE / BLOCK)
#define ROUNDS 20

/* Write number i goes to block target(i), 1-8 blocks long, stamped with i. */
static void op(uint32_t seed, uint32_t i, uint32_t *blk, uint32_t *nblk)
{
	uint32_t x = seed * 2654435761u ^ (i + 1) * 40503u;

	x ^= x >> 15, x *= 2246822519u, x ^= x >> 13;
	*nblk = 1 + x % 8;
	*blk = (x >> 4) % (NBLK - *nblk);
}

static void stamp(uint8_t *b, uint32_t i, uint32_t blk)
{
	for (uint32_t k = 0; k < BLOCK; k += 8) {
		memcpy(b + k, &i, 4);
		memcpy(b + k + 4, &blk, 4);
	}
}

static void writer(const char *path, uint32_t seed, uint32_t start, int report)
{
	struct blk_image *img = open_img(path, "qcow2", false);
	g_autofree uint8_t *buf = g_malloc(8 * BLOCK);

	for (uint32_t i = start;; i++) {
		uint32_t blk, n;

		op(seed, i, &blk, &n);
		for (uint32_t k = 0; k < n; k++)
			stamp(buf + k * BLOCK, i, blk + k);
		blk_write_buf(img, (uint64_t)blk * BLOCK, buf, n * BLOCK);
		if (i % 16 == 15) {
			g_assert_cmpint(img->drv->flush(img), ==, 0);
			/* Everything up to i is durable now. */
			g_assert_cmpint(write(report, &i, 4), ==, 4);
		}
	}
}

static void test_sigkill(void)
{
	g_autofree char *p = tmp_path("crash.qcow2");
	struct qcow2_create_opts o = { .size = SIZE };
	g_autoptr(GError) err = NULL;
	/* Per block: the newest flushed write, and every write that touched it since. */
	g_autofree uint32_t *owner = g_new0(uint32_t, NBLK); /* write index + 1, 0: never */
	uint32_t next = 0;
	GRand *r = g_rand_new_with_seed(99);

	g_assert_cmpint(qcow2_create(p, &o, &err), ==, 0);
	{
		/* Shared clusters: writes after the snapshot copy them, and free them. */
		struct blk_image *img = open_img(p, "qcow2", false);
		g_autofree uint8_t *fill = g_malloc0(SIZE / 2);
		blk_write_buf(img, 0, fill, SIZE / 2);
		g_assert_cmpint(qcow2_snapshot_create(img, "base", &err), ==, 0);
		blk_close(img);
	}
	for (int round = 0; round < ROUNDS; round++) {
		int fds[2];
		g_assert_cmpint(pipe(fds), ==, 0);
		pid_t pid = fork();
		g_assert_cmpint(pid, >=, 0);
		if (pid == 0) {
			close(fds[0]);
			writer(p, 7, next, fds[1]);
			_exit(0);
		}
		close(fds[1]);
		g_usleep(g_rand_int_range(r, 30, 250) * 1000);
		kill(pid, SIGKILL);
		int status;
		g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
		g_assert_true(WIFSIGNALED(status));
		uint32_t flushed = UINT32_MAX, v;
		while (read(fds[0], &v, 4) == 4)
			flushed = v;
		close(fds[0]);

		int rc = qemu_check(p);
		if (rc != 0 && rc != 3)
			g_error("round %d: qemu-img check exit %d (corruption)", round, rc);

		/* Which writes may each block show? The newest flushed one or any later one. */
		struct blk_image *img = open_img(p, "qcow2", true);
		struct qcow2_check_result res;
		g_assert_cmpint(qcow2_check(img, &res, &err), ==, 0);
		g_assert_cmpuint(res.corruptions, ==, 0); /* our check agrees */
		g_autofree uint8_t *all = blk_read_all(img);
		blk_close(img);
		uint32_t last = next;
		if (flushed != UINT32_MAX) {
			for (uint32_t i = next; i <= flushed; i++) {
				uint32_t blk, n;
				op(7, i, &blk, &n);
				for (uint32_t k = 0; k < n; k++)
					owner[blk + k] = i + 1;
			}
			last = flushed + 1;
		}
		for (uint32_t b = 0; b < NBLK; b++) {
			uint32_t got, gblk;
			memcpy(&got, all + (uint64_t)b * BLOCK, 4);
			memcpy(&gblk, all + (uint64_t)b * BLOCK + 4, 4);
			bool zero = got == 0 && gblk == 0;
			if (owner[b] == 0 && zero)
				continue;
			if (!zero && gblk != b)
				g_error("round %d: block %u holds block %u's data", round, b, gblk);
			if (owner[b] && zero)
				g_error("round %d: block %u lost flushed write %u", round, b,
				        owner[b] - 1);
			if (got + 1 < owner[b])
				g_error("round %d: block %u went back to write %u from flushed "
				        "write %u",
				        round, b, got, owner[b] - 1);
			/* A newer unflushed write survived: it becomes the block's state. */
			owner[b] = got + 1;
		}
		/* The next writer continues after everything this one may have written. */
		next = MAX(last, next) + 100000;
		g_test_message("round %d: flushed up to %d, check exit %d", round,
		               flushed == UINT32_MAX ? -1 : (int)flushed, rc);
	}
	g_rand_free(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/qcow2/crash/sigkill", test_sigkill);
	return g_test_run();
}
