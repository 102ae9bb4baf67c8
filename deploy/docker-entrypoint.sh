#!/bin/sh
# The image's entrypoint: `run` (the default command) is preceded by the pre-start backup; any other datatool-bot
# command (status, backup, restore, translations status, campaign ..., invites ...) runs as it is:
#   docker exec datatool datatool-bot status
#   docker run --rm -it -v datatool-data:/var/lib/datatool --env-file datatool.env datatool-bot campaign list
set -eu
if [ "${1:-run}" = "run" ]; then
    datatool-pre-start
fi
exec datatool-bot "$@"
