/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for the hypervisor's bridge side, for host tests: a board RAM
 * file with a bridge header, and a thread on a COM2-like unix socket that
 * says hello, runs posted slots with canned answers and records them.
 */
#ifndef FAKE_HV_H
#define FAKE_HV_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <acrn/bridge.h>

#define FAKE_RAM_FILE_SIZE (16ULL << 20)
#define FAKE_HPA           (2ULL << 20) /* the Service VM's block in the file */
#define FAKE_SVM_SIZE      (8ULL << 20) /* page area + 3 granules */

struct fake_hv {
	char *dir, *ram_path, *com2_path;
	uint8_t *ram; /* the whole file */
	struct acrn_bridge_header *hdr;
	int listen_fd;
	GMutex lock;
	int conn; /* current COM2 connection, -1 if none */
	uint64_t boot_id;
	bool hang_start; /* leave START_VM slots unanswered */
	bool asyncio;    /* answer SETUP_SBUF and ASYNCIO_(DE)ASSIGN */
	/* What the fake saw. */
	unsigned nr_calls, nr_destroy;
	uint64_t ioreq_gpa;
	uint64_t region_gpa, region_svm_gpa, region_size;
	uint32_t region_type;
	int64_t notified_vcpu;
	uint64_t msi_data;
	uint64_t sbuf_gpa, asyncio_token, asyncio_addr;
	unsigned nr_deassign;
};

void fake_hv_start(struct fake_hv *f);
/* Make vCPU @slot's ioreq PENDING and send an upcall. */
void fake_hv_upcall_ioreq(struct fake_hv *f, unsigned slot);
/* Post @token in the VM's asyncio sbuf and send an upcall (a posted guest write). */
void fake_hv_push_asyncio(struct fake_hv *f, uint64_t token);
/* Drop the COM2 connection and "reboot" (new boot id, fresh header). */
void fake_hv_reboot(struct fake_hv *f);
void *fake_hv_svm(struct fake_hv *f, uint64_t gpa);
/* Remove the fake's directory and everything in it. */
void fake_hv_cleanup(struct fake_hv *f);
/* Wait up to 5 s for @cond(f) under the lock. */
bool fake_hv_wait(struct fake_hv *f, bool (*cond)(struct fake_hv *));

#endif
