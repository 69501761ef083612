/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-sandbox: run a command under the seccomp part of a systemd unit's
 * sandbox, so tests can run acrnd (and the acrn-dm it spawns, which inherits
 * the filter) as acrnd.service confines them, without systemd as PID 1:
 *
 *   unit-sandbox --allow FILE [--errno N] [--deny-write-execute] -- CMD [ARGS...]
 *
 *   --allow FILE          SystemCallFilter=: the allowed syscall names, one a
 *                         line (the test expands the unit's @groups with
 *                         systemd-analyze); any other syscall fails
 *   --errno N             SystemCallErrorNumber=: with errno N (default EPERM)
 *   --deny-write-execute  MemoryDenyWriteExecute=yes: mmap of writable and
 *                         executable memory, mprotect/pkey_mprotect adding
 *                         PROT_EXEC and shmat with SHM_EXEC fail with EPERM
 *
 * Always as SystemCallArchitectures=native (other ABIs are killed) and
 * NoNewPrivileges=yes. Names this libseccomp does not know are skipped (the
 * kernel has no such call to allow). Exit status 127 if set-up fails.
 */
#include <errno.h>
#include <getopt.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

static int allow_listed(scmp_filter_ctx ctx, const char *path, unsigned *count)
{
	char line[128];
	FILE *f = fopen(path, "r");
	int r = 0;

	if (!f) {
		fprintf(stderr, "unit-sandbox: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		int nr;

		line[strcspn(line, " \t\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		nr = seccomp_syscall_resolve_name(line);
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0) {
			fprintf(stderr, "unit-sandbox: allowing %s: %s\n", line, strerror(-r));
			break;
		}
		(*count)++;
	}
	fclose(f);
	return r;
}

/*
 * MemoryDenyWriteExecute, as a filter of its own that allows everything else
 * (like systemd's): the kernel runs every loaded filter and the strictest
 * answer wins, so its EPERM beats the allow-list's allow.
 */
static int deny_write_execute(void)
{
	const struct {
		int nr;
		unsigned arg;
		scmp_datum_t mask;
		scmp_datum_t value;
	} rules[] = {
		{ SCMP_SYS(mmap), 2, PROT_WRITE | PROT_EXEC, PROT_WRITE | PROT_EXEC },
		{ SCMP_SYS(mprotect), 2, PROT_EXEC, PROT_EXEC },
		{ SCMP_SYS(pkey_mprotect), 2, PROT_EXEC, PROT_EXEC },
		{ SCMP_SYS(shmat), 2, SHM_EXEC, SHM_EXEC },
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = ctx ? 0 : -ENOMEM;

	for (size_t i = 0; !r && i < sizeof(rules) / sizeof(rules[0]); i++)
		r = seccomp_rule_add(
		        ctx, SCMP_ACT_ERRNO(EPERM), rules[i].nr, 1,
		        SCMP_CMP(rules[i].arg, SCMP_CMP_MASKED_EQ, rules[i].mask, rules[i].value));
	if (!r)
		r = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	if (r < 0)
		fprintf(stderr, "unit-sandbox: MemoryDenyWriteExecute: %s\n", strerror(-r));
	return r;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: unit-sandbox --allow FILE [--errno N] [--deny-write-execute] "
	           "-- CMD [ARGS...]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "allow", required_argument, NULL, 'a' },
		{ "errno", required_argument, NULL, 'e' },
		{ "deny-write-execute", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *allow = NULL;
	bool wx = false;
	int err = EPERM, c, r;
	unsigned count = 0;
	scmp_filter_ctx ctx;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			allow = optarg;
			break;
		case 'e':
			err = atoi(optarg);
			if (err <= 0 || err > 4095) {
				fprintf(stderr, "unit-sandbox: bad --errno '%s'\n", optarg);
				return 127;
			}
			break;
		case 'w':
			wx = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 127;
		}
	}
	if (!allow || optind >= argc) {
		usage(stderr);
		return 127;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "unit-sandbox: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
		return 127;
	}
	/* First: the allow-list below may not allow loading another filter. */
	if (wx && deny_write_execute() < 0)
		return 127;
	ctx = seccomp_init(SCMP_ACT_ERRNO(err));
	if (!ctx) {
		fprintf(stderr, "unit-sandbox: seccomp_init failed\n");
		return 127;
	}
	/* SystemCallArchitectures=native: a foreign ABI's calls kill the process. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (!r)
		r = allow_listed(ctx, allow, &count);
	/* systemd lets the service's own execve through whatever the filter says. */
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(execve), 0);
	if (!r)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		fprintf(stderr, "unit-sandbox: %s\n", strerror(-r));
		return 127;
	}
	fprintf(stderr, "unit-sandbox: %u syscalls allowed%s, others fail with errno %d\n", count,
	        wx ? ", no writable executable memory" : "", err);
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "unit-sandbox: %s: %s\n", argv[optind], strerror(errno));
	return 127;
}
