/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An in-process transport for dm/core's tests: it records every call and
 * plays the hypervisor plus HSM from the test thread, filling ioreq slots,
 * marking them PROCESSING and waiting for the core to complete them.
 */
#ifndef FAKE_TRANSPORT_H
#define FAKE_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <acrn/hsm.h>
#include <dm/transport.h>
#include <glib.h>

struct fake_call {
	char op[24];
	uint64_t a, b, c;
};

struct fake_transport {
	struct dm_transport t;
	GMutex lock;
	GCond cond;
	GArray *calls; /* struct fake_call */
	struct acrn_io_request_buffer *page;
	uint16_t vcpus;               /* what create_vm gives */
	int fail_create;              /* errno create_vm returns */
	bool no_ioeventfd;            /* ioeventfd says -EOPNOTSUPP */
	bool kick, shutdown;          /* wait_requests wakes */
	bool triple_fault;            /* wait_requests reports the guest's triple fault */
	uint32_t notified;            /* bitmap of vCPUs notified since the last request */
	uint32_t state_at_notify[16]; /* `processed` when notify_request_finish came */
	struct acrn_vcpu_regs regs;   /* the last set_vcpu_regs */
	GPtrArray *ram;               /* allocations, freed on close */
	bool closed;
	int refs; /* non-zero: close() drops a reference and the last one frees the fake */
};

struct fake_transport *fake_transport_new(uint16_t vcpus);
/* Number of recorded calls to @op, and the @i-th call to it. */
unsigned fake_count(struct fake_transport *f, const char *op);
const struct fake_call *fake_nth(struct fake_transport *f, const char *op, unsigned i);
/* Index of the first call to @op in the call log, or -1. */
int fake_index(struct fake_transport *f, const char *op);
void fake_clear_calls(struct fake_transport *f);

/*
 * The hypervisor side: put @req in slot @vcpu as PENDING, then (HSM) set
 * PROCESSING, wake the ioreq thread, and wait up to 2 s for the completion
 * (COMPLETE and notify_request_finish). Copies the completed slot back.
 * Returns false on timeout.
 */
bool fake_hv_request(struct fake_transport *f, unsigned vcpu, struct acrn_io_request *req);
/* The same without waiting for the completion (a request that ends in a power transition). */
void fake_hv_post(struct fake_transport *f, unsigned vcpu, const struct acrn_io_request *req);
/* Add an entry to the call log (tests interleave their own events with the transport's). */
void fake_record(struct fake_transport *f, const char *op);
/* Wait up to 2 s until @op was called @n times. */
bool fake_wait_calls(struct fake_transport *f, const char *op, unsigned n);

struct dm_vm;
/* A VM on a fresh fake transport with @mem bytes of RAM (0: none). */
struct fake_transport *fake_vm_new(struct dm_vm *vm, uint16_t vcpus, uint64_t mem);
/* dm_vm_destroy, then free the fake. */
void fake_vm_free(struct dm_vm *vm, struct fake_transport *f);
void fake_transport_free(struct fake_transport *f);
void fake_transport_unref(struct fake_transport *f);
#endif
