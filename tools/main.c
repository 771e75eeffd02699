/* main.c - the tirc program's entry; everything else of tools/ is a library (tirc_tools) that
 * the fuzz targets link too. */
#include "tools.h"

int main(int argc, char **argv) { return tool_main(argc, argv); }
