/* SPDX-License-Identifier: BSD-3-Clause */
/* Calls from the hypervisor (HS-mode) into the SBI firmware (OpenSBI in M-mode). */
#ifndef ARCH_RISCV_SBI_H
#define ARCH_RISCV_SBI_H

#include <hv/types.h>

/* Extension ids (SBI specification 2.0). */
#define SBI_EXT_LEGACY_PUTCHAR     0x01
#define SBI_EXT_BASE               0x10
#define SBI_EXT_TIME               0x54494D45
#define SBI_EXT_IPI                0x735049
#define SBI_EXT_RFENCE             0x52464E43
#define SBI_EXT_HSM                0x48534D
#define SBI_EXT_SRST               0x53525354
#define SBI_EXT_DBCN               0x4442434E

#define SBI_BASE_GET_SPEC_VERSION  0
#define SBI_BASE_GET_IMPL_ID       1
#define SBI_BASE_GET_IMPL_VERSION  2
#define SBI_BASE_PROBE_EXT         3
#define SBI_BASE_GET_MVENDORID     4
#define SBI_BASE_GET_MARCHID       5
#define SBI_BASE_GET_MIMPID        6

#define SBI_HSM_HART_START         0
#define SBI_HSM_HART_STOP          1
#define SBI_HSM_HART_STATUS        2
#define SBI_HSM_HART_SUSPEND       3
#define SBI_HSM_STATE_STARTED      0
#define SBI_HSM_STATE_STOPPED      1

#define SBI_RFENCE_FENCE_I         0
#define SBI_RFENCE_SFENCE_VMA      1
#define SBI_RFENCE_SFENCE_VMA_ASID 2

#define SBI_SRST_SHUTDOWN          0
#define SBI_SRST_COLD_REBOOT       1
#define SBI_SRST_WARM_REBOOT       2
#define SBI_SRST_REASON_NONE       0
#define SBI_SRST_REASON_FAILURE    1

#define SBI_DBCN_WRITE             0
#define SBI_DBCN_READ              1
#define SBI_DBCN_WRITE_BYTE        2

/* Standard SBI error codes (returned in a0). */
#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2);
bool sbi_probe(unsigned long ext);
int sbi_hart_start(unsigned long hartid, paddr_t start, unsigned long opaque);
int sbi_send_ipi(unsigned long hartid);
int sbi_set_timer(uint64_t deadline);
/* Returns only when the firmware refuses. */
void sbi_system_reset(unsigned long type, unsigned long reason);
/* SBI error code to negative errno. */
int sbi_errno(long error);

#endif
