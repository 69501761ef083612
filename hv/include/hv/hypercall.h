/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypercall dispatch (ACRN's calling convention: id in R8 on x86, params in
 * RDI and RSI, result in RAX). The architecture decodes the instruction and
 * registers; everything else is here.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/types.h>

struct vcpu;

#define HC_ID(low)                ((0x80ULL << 24) | (low))
#define HC_GET_API_VERSION        HC_ID(0x00)
#define HC_SERVICE_VM_OFFLINE_CPU HC_ID(0x01)
#define HC_SET_CALLBACK_VECTOR    HC_ID(0x02)
#define HC_CREATE_VM              HC_ID(0x10)
#define HC_DESTROY_VM             HC_ID(0x11)
#define HC_START_VM               HC_ID(0x12)
#define HC_PAUSE_VM               HC_ID(0x13)
#define HC_RESET_VM               HC_ID(0x15)

/* Returns the value for the guest's result register (0 or a negative errno). */
int64_t hypercall_dispatch(struct vcpu *v, uint64_t id, uint64_t p1, uint64_t p2);

#endif
