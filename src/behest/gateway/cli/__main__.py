from behest.gateway.cli import main

main()
