/* SPDX-License-Identifier: BSD-3-Clause */
/* Linux-valued errno numbers: functions return 0 or a negative errno. */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#ifdef HV_HOSTED
#include <errno.h>
#else
#define EPERM      1
#define ENOENT     2
#define EIO        5
#define E2BIG      7
#define ENOEXEC    8
#define EAGAIN     11
#define ENOMEM     12
#define EACCES     13
#define EFAULT     14
#define EBUSY      16
#define EEXIST     17
#define ENODEV     19
#define EINVAL     22
#define ENOTTY     25
#define ENOSPC     28
#define ERANGE     34
#define ENOSYS     38
#define ENOTSUP    95
#define EOPNOTSUPP 95
#endif

#endif
