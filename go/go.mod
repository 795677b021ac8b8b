module gilwall-go

go 1.19
