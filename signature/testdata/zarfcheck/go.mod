module zarfcheck

go 1.26.0

replace github.com/docker-zarf/docker-zarf => ../../..
