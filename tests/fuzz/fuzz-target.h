/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every tests/fuzz/fuzz-*.c defines. Built with
 * clang and -fsanitize=fuzzer it is driven by libFuzzer; built normally it
 * is driven by fuzz-corpus-main.c, which replays a corpus folder. */
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
