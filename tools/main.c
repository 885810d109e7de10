/* cirrus — entry point; everything else lives in the cirrus_tools library
 * so that tests can drive commands in-process. */
#include "tools/cli.h"

int main(int argc, char **argv) { return cirrus_main(argc, argv); }
